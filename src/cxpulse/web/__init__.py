"""The web edge: a FastAPI app (JSON API under /api/v1, a server-rendered dashboard, the public
survey endpoints) over one workspace. Build it with :func:`cxpulse.web.app.create_app`."""
