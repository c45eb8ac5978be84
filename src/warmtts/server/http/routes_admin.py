"""Administration behind the API key: re-reading the user lexicon without a restart."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from warmtts.server.context import ServerContext, context
from warmtts.server.http.auth import require_key
from warmtts.server.http.schemas import ERROR_RESPONSES, LexiconReloaded

router = APIRouter(
    prefix="/admin",
    dependencies=[Depends(require_key)],
    responses={s: ERROR_RESPONSES[s] for s in (400, 401, 422, 503)},
)


@router.post("/lexicon/reload", response_model=LexiconReloaded)
def reload_lexicon(ctx: ServerContext = Depends(context)) -> LexiconReloaded:
    """Re-read WARMTTS_LEXICON and put it in force; 422 with the bad line's number keeps the old one."""
    result = ctx.lexicon.reload("api")
    return LexiconReloaded(path=result.path, entries=result.entries, seconds=result.seconds)
