"""Table QR codes: signing a table's scene, resolving a scanned one, and a printable sheet for the console."""

from __future__ import annotations

import io

from diancan.domain.errors import NotFound
from diancan.domain.table_codes import TableRef, TableRemoved, read_scene, sign_scene
from diancan.services.ports import MiniProgramCodes, Tables

TABLE_PAGE = "pages/table/index"
SHEET_COLUMNS = 3
CELL = 360


class TableCodes:
    def __init__(self, tables: Tables, codes: MiniProgramCodes | None, key: bytes, *, page: str = TABLE_PAGE) -> None:
        self._tables = tables
        self._codes = codes
        self._key = key
        self._page = page

    def scene_for(self, store_id: str, table_no: str) -> str:
        return sign_scene(self._key, store_id, table_no)

    def resolve(self, scene: str) -> dict:
        """The store and table behind a scanned scene: forged codes cost no read; removed tables one GetItem."""
        ref = read_scene(self._key, scene)
        table = self.active_table(ref)
        return {"store_id": ref.store_id, "table_no": ref.table_no, "table_name": table.get("name") or ref.table_no,
                "seats": table.get("seats")}

    def active_table(self, ref: TableRef) -> dict:
        table = self._tables.table(ref.store_id, ref.table_no)
        if table is None or not table.get("active", True):
            raise TableRemoved(details={"store_id": ref.store_id, "table_no": ref.table_no})
        return table

    def code_image(self, store_id: str, table_no: str, width: int = 430) -> bytes:
        """One table's mini-program code (WeChat's image bytes)."""
        if self._codes is None:
            raise NotFound("mini-program codes are not configured", "未配置小程序码服务", code="CODES_UNAVAILABLE")
        return self._codes.unlimited_code(self.scene_for(store_id, table_no), self._page, width)

    def sheet(self, store_id: str) -> bytes:
        """A PNG sheet of every active table's code with its name under it, to print and cut out."""
        # console only: importing Pillow here keeps it off the guest functions' cold start
        from PIL import Image, ImageDraw, ImageFont

        tables = [t for t in self._tables.tables(store_id) if t.get("active", True)]
        if not tables:
            raise NotFound("the store has no tables", "门店还没有餐桌", code="NO_TABLES")
        rows = -(-len(tables) // SHEET_COLUMNS)
        sheet = Image.new("RGB", (SHEET_COLUMNS * CELL, rows * (CELL + 60)), "white")
        draw = ImageDraw.Draw(sheet)
        font = ImageFont.load_default(size=32)
        for index, table in enumerate(tables):
            code = Image.open(io.BytesIO(self.code_image(store_id, table["table_no"]))).convert("RGB")
            code = code.resize((CELL - 40, CELL - 40))
            left, top = (index % SHEET_COLUMNS) * CELL, (index // SHEET_COLUMNS) * (CELL + 60)
            sheet.paste(code, (left + 20, top + 20))
            label = f"{store_id}  {table['table_no']}"
            draw.text((left + CELL // 2, top + CELL + 10), label, fill="black", font=font, anchor="mt")
        out = io.BytesIO()
        sheet.save(out, format="PNG")
        return out.getvalue()
