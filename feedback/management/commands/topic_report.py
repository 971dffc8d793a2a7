from pathlib import Path

from django.core.management.base import BaseCommand

from feedback import evaluation, topics


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


class Command(BaseCommand):
    help = (
        "Measure the comment-topic rules on the labelled sets (feedback/tests/data/) and print Markdown "
        "tables of precision and recall per topic: the tuning set with and without pyvi, and the held-out set."
    )

    def add_arguments(self, parser):
        parser.add_argument("--errors", action="store_true", help="Also list the comments the rules get wrong.")

    def _table(self, rows, *, both: bool) -> None:
        with_seg = {s.topic: s for s in evaluation.evaluate(rows, use_segmenter=True)}
        without = {s.topic: s for s in evaluation.evaluate(rows, use_segmenter=False)}
        if both:
            self.stdout.write(
                "| topic | comments | precision | recall | precision without pyvi | recall without pyvi |"
            )
            self.stdout.write("|---|---:|---:|---:|---:|---:|")
        else:
            self.stdout.write("| topic | comments | precision | recall |")
            self.stdout.write("|---|---:|---:|---:|")
        for t in topics.TOPICS:
            a, b = with_seg[t], without[t]
            extra = f" {_pct(b.precision)} | {_pct(b.recall)} |" if both else ""
            self.stdout.write(f"| {t} | {a.support} | {_pct(a.precision)} | {_pct(a.recall)} |{extra}")
        p, r = evaluation.micro(list(with_seg.values()))
        p2, r2 = evaluation.micro(list(without.values()))
        line = f"\nMicro-average: precision {_pct(p)}, recall {_pct(r)}"
        if both:
            line += f" (without pyvi: {_pct(p2)}, {_pct(r2)})"
        self.stdout.write(line + "\n")

    def handle(self, *args, **options):
        for path, both in ((evaluation.LABELLED, True), (evaluation.HELD_OUT, False)):
            rows = evaluation.load(path)
            self.stdout.write(f"### {Path(path).name}: {len(rows)} comments, rules v{topics.RULES_VERSION}\n")
            self._table(rows, both=both)
            if options["errors"]:
                for text, labels, predicted in evaluation.errors(rows):
                    self.stdout.write(f"- {','.join(labels)} → {','.join(predicted)}: {text}")
                self.stdout.write("")
