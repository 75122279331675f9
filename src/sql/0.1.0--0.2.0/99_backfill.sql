-- Products created before this upgrade have never been seen by the 0.2.0
-- modules' store handlers (classifications, checks, access, ...): run every
-- handler once for each of them, with its declared descriptor, as the role
-- running the upgrade.  On a fresh install there are no products yet.
SELECT mesh._run_store_handlers(CURRENT_USER::regrole, p.id, mesh._declared_descriptor(p))
  FROM mesh.data_products p
 ORDER BY p.id;
