"""One blueprint per area of the console. A new area: add a module here and append its blueprint."""

from diancan.console.blueprints import (
              audit,
              auth,
              chain,
              dashboard,
              kitchen,
              menu,
              orders,
              reports,
              staff,
              stock,
              stores,
)

BLUEPRINTS = [auth.bp, chain.bp, dashboard.bp, orders.bp, kitchen.bp, menu.bp, stock.bp, stores.bp, reports.bp,
              audit.bp, staff.bp]
