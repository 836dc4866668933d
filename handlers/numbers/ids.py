"""The numbers area's Slack ids and page sizes."""

from __future__ import annotations

NUMBERS_BUY_ACTION = "numbers_buy"
NUMBERS_RELEASE_ACTION = "numbers_release"
NUMBER_BLOCK = "numbers_item"  # block_id prefix of one number's section: "numbers_item_12065550100"
DEFAULT_LIMIT = 10
INVENTORY_LIMIT = 30  # area codes and exchanges are short; show more per page
