"""Every HTTP admin API, thin over the services: routing (``routing``) and rollout
(``rollout``), behind one bearer token. The composition root (:mod:`swapsafe.serve`) mounts them
on the gateway app when the admin API is on."""
