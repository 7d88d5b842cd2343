// 点餐管理后台: order actions, live dashboard, new-order banner and sound. No libraries.
(function () {
  "use strict";
  const meta = (name) => (document.querySelector(`meta[name="${name}"]`) || {}).content || "";
  const csrf = meta("csrf-token");
  const pollMs = (parseInt(meta("poll-seconds"), 10) || 5) * 1000;
  const pushMeta = document.querySelector('meta[name="push-url"]');

  // Live pages: refresh when the WebSocket API pushes a change of the page's topic (docs/push.md); poll every
  // pollMs while the socket is closed or not subscribed, and only as a slow safety net while it is.
  function live(refresh) {
    let timer = null, pending = null, backoff = 1000, refused = false;
    const poll = (ms) => { clearInterval(timer); timer = setInterval(refresh, ms); };
    const soon = () => { clearTimeout(pending); pending = setTimeout(refresh, 250); };  // a burst: one refresh
    poll(pollMs);
    if (!pushMeta || !("WebSocket" in window)) return;
    const retry = () => { setTimeout(open, backoff); backoff = Math.min(backoff * 2, 60000); };
    const open = async () => {
      let socket, ticket;
      try {  // a fresh short-lived ticket for every (re)connect: the session token never goes into a URL
        ticket = (await post(pushMeta.dataset.ticket)).ticket;
      } catch (e) { if (e.status === 401 || e.status === 403) return; retry(); return; }
      try { socket = new WebSocket(`${pushMeta.content}?ticket=${encodeURIComponent(ticket)}`); } catch (e) { return; }
      socket.onopen = () => socket.send(JSON.stringify({ action: "subscribe", topic: pushMeta.dataset.topic }));
      socket.onmessage = (e) => {
        let m;
        try { m = JSON.parse(e.data); } catch (err) { return; }
        if (m.type === "subscribed") { backoff = 1000; poll(pollMs * 12); soon(); }
        else if (m.type === "order" || m.type === "rider") soon();
        else if (m.type === "error") { refused = m.code !== "CONNECTION_GONE"; socket.close(); }
      };
      socket.onclose = () => {
        poll(pollMs);
        if (refused) return;  // not allowed: polling it is
        retry();
      };
    };
    open();
  }
  const yuan = (fen) => (fen < 0 ? "-" : "") + "¥" + (Math.abs(fen) / 100).toFixed(2);

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "X-Requested-With": "fetch" },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(data.message || "操作失败"), { status: response.status, data });
    return data;
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
    if (response.status === 401) { window.location.reload(); throw new Error("登录已过期"); }
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }

  function say(text, good) {
    const box = document.getElementById("action-result");
    if (box) { box.textContent = text; box.className = "result " + (good ? "good" : "bad"); } else if (!good) alert(text);
  }

  // Order actions: buttons [data-action] inside .actions[data-base]
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const base = button.closest("[data-base]").dataset.base;
    button.disabled = true;
    try {
      await post(`${base}/${button.dataset.action}`, button.dataset.ticket ? { ticket_id: button.dataset.ticket } : {});
      say("已完成：" + button.textContent.trim(), true);
      setTimeout(() => window.location.reload(), 500);
    } catch (error) {
      say(error.message + (error.status === 501 ? "（功能尚未上线）" : ""), false);
      button.disabled = false;
    }
  });

  // Refund form
  document.querySelectorAll("form[data-action-form=refund]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const base = document.querySelector(".actions[data-base]").dataset.base;
      const amount = form.elements.amount_yuan.value.trim();
      if (!window.confirm(`确认退款 ¥${amount}？`)) return;
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        // the key minted with the page: a second click or a retried request refunds once
        await post(`${base}/refund`, { amount_yuan: amount, reason: form.elements.reason.value,
                                       request_key: form.elements.request_key.value });
        say("退款已提交", true);
        setTimeout(() => window.location.reload(), 800);
      } catch (error) {
        say(error.message + (error.status === 501 ? "（退款功能尚未上线）" : ""), false);
        button.disabled = false;
      }
    });
  });

  // Store switcher
  const switcher = document.querySelector(".store-switch");
  if (switcher) switcher.addEventListener("change", () => { window.location.href = switcher.value; });

  // New-order sound (generated, nothing to download) and banner
  function chime() {
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      [880, 1320].forEach((freq, i) => {
        const osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = freq; osc.connect(gain); gain.connect(audio.destination);
        gain.gain.setValueAtTime(0.25, audio.currentTime + i * 0.18);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + i * 0.18 + 0.3);
        osc.start(audio.currentTime + i * 0.18); osc.stop(audio.currentTime + i * 0.18 + 0.32);
      });
    } catch (e) { /* no audio device: the banner is enough */ }
  }
  function announce(text) {
    const banner = document.getElementById("banner");
    if (!banner) return;
    banner.textContent = text; banner.hidden = false; chime();
    banner.onclick = () => { banner.hidden = true; };
    clearTimeout(announce.timer); announce.timer = setTimeout(() => { banner.hidden = true; }, 15000);
  }

  // Live dashboard
  const board = document.getElementById("dashboard");
  if (board) {
    const names = JSON.parse(document.getElementById("status-names").textContent);
    let seenOrders = null;
    const render = (d) => {
      board.querySelector("[data-k=day]").textContent = d.day;
      board.querySelectorAll("[data-money]").forEach((el) => { el.textContent = yuan(d[el.dataset.money]); });
      board.querySelectorAll("[data-num]").forEach((el) => { el.textContent = d[el.dataset.num]; });
      const peak = Math.max(1, ...d.by_hour, ...d.last_week.by_hour);
      const hours = document.getElementById("hours");
      hours.replaceChildren(...d.by_hour.map((n, h) => {
        const bar = document.createElement("div"), prev = document.createElement("i");
        const before = d.last_week.by_hour[h];
        bar.className = "bar"; prev.className = "prev";
        bar.title = `${h}:00 今天 ${n} 单 / 上周同日 ${before} 单`;
        bar.style.height = `${(n / peak) * 100}%`;
        if (!n) bar.style.height = "1px";
        prev.style.bottom = `${(before / peak) * hours.clientHeight}px`;
        prev.hidden = !before;
        if (h % 3 === 0) bar.dataset.h = h;
        bar.append(prev);
        return bar;
      }));
      document.getElementById("statuses").innerHTML = Object.entries(d.by_status).map(([s, n]) =>
        `<li class="s-${s}">${names[s] || s}<b>${n}</b></li>`).join("") || "<li class='muted'>暂无</li>";
      document.getElementById("hot").innerHTML = d.hot_dishes.map((x) =>
        `<li>${x.name.replace(/[<>&]/g, "")}<b>${x.qty}</b></li>`).join("") || "<li class='muted'>暂无</li>";
      const perStore = document.querySelector("#per-store tbody");
      if (perStore && d.per_store) perStore.innerHTML = d.per_store.map((s) =>
        `<tr><td>${s.name.replace(/[<>&]/g, "")}</td><td>${s.orders}</td><td class="num">${yuan(s.revenue_fen)}</td><td class="num">${yuan(s.average_ticket_fen)}</td></tr>`).join("");
      if (seenOrders !== null && d.orders > seenOrders) announce(`新订单 ${d.orders - seenOrders} 笔，请及时处理`);
      seenOrders = d.orders;
      document.getElementById("updated").textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN");
    };
    const refresh = () => getJson(board.dataset.feed).then(render).catch(() => {});
    refresh();
    live(refresh);
  }
  // Pickup board: numbers preparing / ready; a newly called number is spoken (speechSynthesis)
  const pickup = document.getElementById("pickup-board");
  if (pickup) {
    let lastCalled = pickup.dataset.last;
    const pad = (n) => String(n).padStart(3, "0");
    const fill = (id, numbers) => {
      document.getElementById(id).innerHTML = numbers.map((n) => `<li>${pad(n)}</li>`).join("");
    };
    const speak = (text) => {
      if (!("speechSynthesis" in window)) return;
      const words = new SpeechSynthesisUtterance(text);
      words.lang = "zh-CN"; words.rate = 0.9;
      window.speechSynthesis.speak(words);
    };
    const refresh = () => getJson(pickup.dataset.feed).then((b) => {
      fill("preparing", b.preparing); fill("ready", b.ready);
      const called = b.last_called;
      if (called && called.at !== lastCalled) {
        speak(called.speech);
        pickup.querySelectorAll("#ready li")[0]?.classList.add("flash");
        pickup.dataset.spoken = called.speech;
      }
      lastCalled = called ? called.at : "";
      document.getElementById("updated").textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN");
    }).catch(() => {});
    refresh();
    live(refresh);
  }

  // Station screen: reload itself (tickets come and go), unless a cook is about to press a button
  const station = document.getElementById("station-tickets");
  if (station) {
    let seen = station.querySelectorAll("[data-ticket-id]").length;
    // a partial refund strikes lines through without changing the count: reload on that too
    const stoppedOf = (ts) => ts.reduce((n, t) => n + (Number(t.cancelled_lines) || 0), 0);
    let stopped = stoppedOf([...station.querySelectorAll("[data-ticket-id]")].map((el) => ({cancelled_lines: el.dataset.stopped})));
    live(() => getJson(station.dataset.feed).then((b) => {
      if (b.tickets.length > seen) announce(`新小票 ${b.tickets.length - seen} 张`);
      if (b.tickets.length !== seen || stoppedOf(b.tickets) !== stopped) setTimeout(() => window.location.reload(), 1200);
      seen = b.tickets.length;
      stopped = stoppedOf(b.tickets);
    }).catch(() => {}));
  }
})();
