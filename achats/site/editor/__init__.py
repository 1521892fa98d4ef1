"""Web editing with Decap CMS: configuration from the schemas, /admin/ in the intranet
build, and the local editing session of `achats edit`."""
