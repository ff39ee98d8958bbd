"""``anagen manage detect_signals``: the daily signal job over every clinic (cron it daily)."""

from typing import Any

from django.core.management.base import BaseCommand

from anagen.safety.detection import job_report, signals_detect_all


class Command(BaseCommand):
    help = "Look for clusters of infections and nodules in every clinic and keep the signals."

    def handle(self, *args: Any, **options: Any) -> None:
        for line in job_report(signals_detect_all()):
            self.stdout.write(line)
