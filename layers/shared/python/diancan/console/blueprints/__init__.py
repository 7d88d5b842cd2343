"""One blueprint per area of the console. A new area: add a module here and append its blueprint."""

from diancan.console.blueprints import (
              audit,
              auth,
              chain,
              counter,
              dashboard,
              delivery,
              invoices,
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
              shifts,
              staff,
              stock,
              store_profile,
              store_settings,
              stores,
              tables,
)

BLUEPRINTS = [auth.bp, chain.bp, dashboard.bp, orders.bp, delivery.bp, kitchen.bp, tables.bp, counter.bp, menu.bp, stock.bp,
              stores.bp, reports.bp, audit.bp, staff.bp,
              marketing.bp, members.bp, store_profile.bp, reviews.bp,
              store_settings.bp, setup.bp, setup_pages.bp, shifts.bp, invoices.bp,
              settlement.bp]
