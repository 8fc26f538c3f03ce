"""Previewing a clinic's settings: the messages a sample appointment would get, stored nowhere."""

from datetime import datetime

from touchpoint.domain.ports.stores import ClinicRepository
from touchpoint.domain.preview import Preview, parse_preview, preview


class SettingsPreview:
    def __init__(self, clinics: ClinicRepository) -> None:
        self.clinics = clinics

    def run(self, clinic_id: str, body: object, now: datetime) -> Preview:
        """The clinic's settings changed as a PATCH of `body["settings"]` would change them."""
        clinic = self.clinics.get(clinic_id)
        return preview(parse_preview(body, clinic.settings, now), now)
