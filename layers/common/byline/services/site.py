"""Site settings: read by anyone, replaced by admins with optimistic concurrency (the ETag of
the settings they read, as article edits do)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from byline.auth.policy import Action, authorize
from byline.auth.principal import Principal
from byline.clock import Clock, iso, utc_now
from byline.data.media import MediaRecords
from byline.data.site import SettingsChanged, Site, SiteRecord
from byline.data.table import CheckFailed
from byline.errors import PreconditionFailed, UnprocessableContent
from byline.models.etags import etag_of
from byline.models.fields import is_media_key
from byline.models.site import IMAGE_FIELDS, SiteSettings, SiteSettingsUpdate

CHANGED = "The site settings changed since you read them; fetch them again."


@dataclass
class SiteService:
    site: Site
    site_url: str
    clock: Clock = utc_now

    def _settings(self, record: SiteRecord) -> SiteSettings:
        """The stored keys over the defaults. A stored value a newer rule refuses falls back to
        its default rather than failing every read of the site."""
        stored: dict[str, Any] = dict(record.settings)
        try:
            fields = SiteSettingsUpdate.model_validate(stored)
        except ValueError:
            known = SiteSettingsUpdate.model_fields
            fields = SiteSettingsUpdate.model_validate(
                {k: v for k, v in stored.items() if k in known and _valid(k, v)}
            )
        return SiteSettings(**fields.model_dump(), url=self.site_url.rstrip("/") + "/")

    def read(self) -> SiteSettings:
        """The settings, defaults filled in (one GetItem)."""
        return self._settings(self.site.get())

    def replace(
        self,
        principal: Principal,
        update: SiteSettingsUpdate,
        precondition: Callable[[str], None],
    ) -> SiteSettings:
        """Replace the settings; ``precondition`` is given the current ETag (If-Match).

        New images that are media keys must be accepted uploads of the admin making the change;
        images kept from the version read are not checked again (another admin's logo stays)."""
        authorize(principal, Action.edit_site_settings)
        current = self.site.get(consistent=True)
        before = self._settings(current)
        precondition(etag_of(before))
        document = update.model_dump(mode="json", exclude_none=True)
        # One check per distinct upload: a logo that is also the og image is one media item, and
        # DynamoDB refuses two operations on one item in a transaction.
        new_uploads = list(
            dict.fromkeys(
                str(document[name])
                for name in IMAGE_FIELDS
                if is_media_key(document.get(name)) and document[name] != getattr(before, name)
            )
        )
        checks = [MediaRecords.usable_check(key, {principal.username}) for key in new_uploads]
        record = replace(
            current,
            settings=document,
            version=current.version + 1,
            updated_at=iso(self.clock()),
            updated_by=principal.username,
        )
        try:
            self.site.save(record, based_on=current.version, checks=checks)
        except CheckFailed as refused:
            raise UnprocessableContent(
                "images: a media key must be an accepted upload of yours; upload it with "
                "POST /media and wait for it to pass validation."
            ) from refused
        except SettingsChanged as moved:
            raise PreconditionFailed(CHANGED) from moved
        return self._settings(record)


def _valid(name: str, value: Any) -> bool:
    try:
        SiteSettingsUpdate.model_validate({name: value})
    except ValueError:
        return False
    return True


@cache
def site_service() -> SiteService:
    from byline.data.table import table
    from byline.settings import get_settings

    return SiteService(site=Site(table()), site_url=get_settings().site_url)
