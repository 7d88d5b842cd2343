"""One blueprint per area of the console. A new area: add a module here and append its blueprint."""

from diancan.console.blueprints import (
              audit,
              auth,
              chain,
              dashboard,
              delivery,
              kitchen,
              marketing,
              members,
              menu,
              orders,
              reports,
              reviews,
              settlement,
              setup,
              setup_pages,
              staff,
              stock,
              store_profile,
              store_settings,
              stores,
              tables,
)

BLUEPRINTS = [auth.bp, chain.bp, dashboard.bp, orders.bp, delivery.bp, kitchen.bp, tables.bp, menu.bp, stock.bp,
              stores.bp, reports.bp, audit.bp, staff.bp,
              marketing.bp, members.bp, store_profile.bp, reviews.bp,
              store_settings.bp, setup.bp, setup_pages.bp, settlement.bp]
