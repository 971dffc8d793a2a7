"""Time the comment-topic rules (feedback.topics) on the labelled set.

    .venv/bin/python -m bench.topics

Prints the one-off load time of pyvi and the time per comment, with and without segmentation.
"""

from __future__ import annotations

import os
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction.settings")
    from feedback import evaluation, topics

    rows = evaluation.load() + evaluation.load(evaluation.HELD_OUT)
    start = time.perf_counter()
    topics.classify("khởi động")
    print(f"first call (loads pyvi): {1000 * (time.perf_counter() - start):.0f} ms")
    for segment in (True, False):
        rounds = 5
        start = time.perf_counter()
        for _ in range(rounds):
            for _labels, text in rows:
                topics.classify(text, use_segmenter=segment)
        per = (time.perf_counter() - start) / (rounds * len(rows))
        print(
            f"{'with' if segment else 'without'} pyvi: {1000 * per:.3f} ms per comment ({len(rows)} comments × {rounds})"
        )


if __name__ == "__main__":
    main()
