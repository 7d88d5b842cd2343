// 收银点餐 (counter / POS): the cart, the options popup, the server's quote, the payment. No libraries.
// The server prices everything; this page only shows what /counter/quote and /counter/orders answer.
(function () {
  "use strict";
  const root = document.getElementById("counter");
  if (!root) return;
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const menu = JSON.parse(document.getElementById("counter-menu").textContent);
  const dishes = {};
  menu.categories.forEach((c) => c.dishes.forEach((d) => { dishes[d.dish_id] = d; }));
  const $ = (id) => document.getElementById(id);
  const yuan = (fen) => "¥" + (fen / 100).toFixed(2);
  let lines = [];  // {dish_id, qty, options: [option ids], label}
  let quoted = null;
  let quoteSeq = 0;

  async function post(url, body, key) {
    const headers = { "Content-Type": "application/json", "X-CSRF-Token": csrf, "X-Requested-With": "fetch" };
    if (key) headers["Idempotency-Key"] = key;
    const response = await fetch(url, { method: "POST", credentials: "same-origin", headers, body: JSON.stringify(body) });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(data.message || "操作失败"), { data });
    return data;
  }

  function fenOf(text) {  // "38" / "38.5" / "38.50" → 3850 (whole-number arithmetic, no float)
    const match = /^\s*(\d{1,6})(?:\.(\d{1,2}))?\s*$/.exec(text || "");
    return match ? parseInt(match[1], 10) * 100 + parseInt((match[2] || "0").padEnd(2, "0"), 10) : null;
  }

  function payment() { return (document.querySelector('input[name="payment"]:checked') || {}).value; }

  function say(text, good) { const box = $("action-result"); box.textContent = text; box.className = "result " + (good ? "good" : "bad"); }

  // ---- categories and dishes ----
  root.addEventListener("click", (event) => {
    const cat = event.target.closest("[data-cat]");
    if (cat) {
      document.querySelectorAll("[data-cat]").forEach((b) => b.classList.toggle("on", b === cat));
      document.querySelectorAll("[data-cat-dishes]").forEach((box) => { box.hidden = box.dataset.catDishes !== cat.dataset.cat; });
      return;
    }
    const button = event.target.closest("[data-dish]");
    if (button) {
      const dish = dishes[button.dataset.dish];
      if (dish.option_groups && dish.option_groups.length) openOptions(dish); else add(dish, [], 1);
    }
  });

  function add(dish, options, qty) {
    const names = options.map((id) => dish.option_groups.flatMap((g) => g.options).find((o) => o.option_id === id).name);
    const same = lines.find((l) => l.dish_id === dish.dish_id && l.options.join() === options.join());
    if (same) same.qty = Math.min(50, same.qty + qty);
    else lines.push({ dish_id: dish.dish_id, qty, options, label: dish.name + (names.length ? "（" + names.join("/") + "）" : "") });
    changed();
  }

  // ---- the options popup (the menu's spec groups: required, multi, max_select) ----
  function openOptions(dish) {
    $("options-title").textContent = dish.name;
    const box = $("options-groups");
    box.innerHTML = "";
    dish.option_groups.forEach((group) => {
      const set = document.createElement("fieldset");
      const hint = group.required ? "必选" : "可选";
      set.innerHTML = `<legend>${group.name} <small class="muted">${hint}${group.multi ? "，可多选" : ""}</small></legend>`;
      group.options.forEach((option, index) => {
        const label = document.createElement("label");
        const input = document.createElement("input");
        input.type = group.multi ? "checkbox" : "radio";
        input.name = "g-" + group.group_id;
        input.value = option.option_id;
        input.checked = !group.multi && group.required && index === 0;
        label.append(input, " " + option.name + (option.price_fen ? " +" + yuan(option.price_fen) : ""));
        set.append(label);
      });
      box.append(set);
    });
    $("options-qty").value = 1;
    const dialog = $("options-dialog");
    dialog.onclose = () => {
      if (dialog.returnValue !== "add") return;
      const chosen = [...box.querySelectorAll("input:checked")].map((i) => i.value);
      add(dish, chosen, Math.max(1, Math.min(50, parseInt($("options-qty").value, 10) || 1)));
    };
    dialog.showModal();
  }

  // ---- the cart ----
  function render() {
    const list = $("cart-lines");
    list.innerHTML = "";
    if (!lines.length) list.innerHTML = '<li class="muted">点左侧菜品加入</li>';
    lines.forEach((line, index) => {
      const item = document.createElement("li");
      item.innerHTML = `<span class="name"></span><button type="button" data-step="-1">−</button><b>${line.qty}</b><button type="button" data-step="1">＋</button>`;
      item.querySelector(".name").textContent = line.label;
      item.querySelectorAll("[data-step]").forEach((b) => b.addEventListener("click", () => {
        line.qty += parseInt(b.dataset.step, 10);
        if (line.qty < 1) lines.splice(index, 1);
        changed();
      }));
      list.append(item);
    });
  }

  function body() {
    return { items: lines.map((l) => ({ dish_id: l.dish_id, qty: l.qty, options: l.options })), remark: $("remark").value.trim() };
  }

  async function changed() {
    render();
    quoted = null;
    $("submit-sale").disabled = true;
    if (!lines.length) { $("quote").textContent = "合计 ¥0.00"; return; }
    const seq = ++quoteSeq;
    try {
      const quote = await post(root.dataset.quote, body());
      if (seq !== quoteSeq) return;
      quoted = quote;
      const offers = quote.offers.length ? "（" + quote.offers.join("，") + "）" : "";
      $("quote").textContent = "应收 " + yuan(quote.total_fen) + offers;
      $("submit-sale").disabled = false;
      say("", true);
    } catch (error) { if (seq === quoteSeq) say(error.message, false); }
  }

  document.querySelectorAll('input[name="payment"]').forEach((radio) => radio.addEventListener("change", () => {
    document.querySelectorAll("[data-for]").forEach((label) => { label.hidden = label.dataset.for !== payment(); });
  }));
  $("remark").addEventListener("change", changed);
  $("clear-sale").addEventListener("click", () => { lines = []; changed(); });

  // ---- the payment: one request key per sale, so a double click or a retry pays once ----
  $("submit-sale").addEventListener("click", async () => {
    if (!quoted) return;
    const sale = { ...body(), payment: payment() };
    if (sale.payment === "cash") {
      sale.tendered_fen = fenOf($("tendered").value);
      if (sale.tendered_fen === null) { say("请填写实收现金", false); return; }
    } else if (sale.payment === "other") sale.transaction_id = $("transaction-id").value.trim();
    else if (sale.payment === "table") sale.session_id = $("session-id").value;
    $("submit-sale").disabled = true;
    try {
      const result = await post(root.dataset.sell, sale, root.dataset.requestKey);
      const box = $("receipt");
      box.hidden = false;
      if (result.order) {
        const change = result.change_fen !== undefined ? `<p class="change">找零 ${yuan(result.change_fen)}</p>` : "";
        box.innerHTML = `<p>已收款 ${yuan(result.order.total_fen)} · 取餐号 <b>${result.order.pickup_no}</b></p>${change}`;
      } else box.innerHTML = `<p>已记入桌台账单（第${result.round.round_no}轮）</p>`;
      box.insertAdjacentHTML("beforeend", '<button type="button" class="primary" onclick="location.reload()">下一单</button>');
      say("完成", true);
    } catch (error) {
      say(error.message, false);
      $("submit-sale").disabled = false;  // the same key: a retry answers the first result, never a second payment
    }
  });
})();
