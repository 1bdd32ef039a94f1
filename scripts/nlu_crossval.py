"""Stratified k-fold cross-validation of the intent + FAQ classifier on the TRAINING data only.

Uses the same features and model as bot/nlu/classifier.py (LinearIntentClassifier: the blocks of
bot/nlu/features.py, LinearSVC). It never reads tests/nlu_heldout/, so it can be used freely to
find weak and confusable topics while writing training data.

    PYTHONPATH=. .venv/bin/python scripts/nlu_crossval.py [--folds 5] [--worst 40] [--pairs 40]
        [--label faq/rt_receipt ...]   # also print the misclassified CV examples of these labels
        [--errors]                     # print every misclassified CV example
"""
from __future__ import annotations

import argparse
import collections
import sys
from typing import Dict, List, Sequence, Tuple

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from bot.evaluation import TRAIN_DIR, read_examples, service_of
from bot.nlu.classifier import BLOCKS, LinearIntentClassifier, build_vectorizers, stack
from bot.nlu.features import message_blocks, words_of


def blocks_of(texts: Sequence[str]) -> Dict[str, list]:
    per_text = [message_blocks(words_of(t), t) for t in texts]
    return {name: [b[name] for b in per_text] for name in BLOCKS}


class Model:
    def __init__(self, c: float = 1.0, seed: int = 42) -> None:
        self.vectorizers = build_vectorizers(LinearIntentClassifier.get_default_config())
        self.svm = LinearSVC(C=c, random_state=seed)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "Model":
        self.svm.fit(stack(self.vectorizers, blocks_of(texts), fit=True), labels)
        return self

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.svm.predict(stack(self.vectorizers, blocks_of(texts)))


def crossval(examples: Sequence[Tuple[str, str]], folds: int, seed: int, c: float) -> List[str]:
    texts = [t for t, _ in examples]
    labels = np.array([l for _, l in examples])
    predicted = np.empty(len(texts), dtype=object)
    counts = collections.Counter(labels)
    too_small = [l for l, n in counts.items() if n < folds]
    if too_small:
        print(f"Labels with fewer than {folds} examples (always in training folds only partly): {too_small}", file=sys.stderr)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(texts, labels):
        model = Model(c, seed).fit([texts[i] for i in train_idx], labels[train_idx])
        predicted[test_idx] = model.predict([texts[i] for i in test_idx])
    return list(predicted)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--worst", type=int, default=40, help="labels to list, weakest first (0 = all)")
    parser.add_argument("--pairs", type=int, default=40, help="most confused label pairs to list")
    parser.add_argument("--label", action="append", default=[], help="print misclassified examples of this label")
    parser.add_argument("--errors", action="store_true", help="print every misclassified example")
    args = parser.parse_args(argv)

    examples = read_examples(TRAIN_DIR)
    gold = [l for _, l in examples]
    predicted = crossval(examples, args.folds, args.seed, args.C)

    per_label: Dict[str, List[int]] = collections.defaultdict(lambda: [0, 0])
    per_service: Dict[str, List[int]] = collections.defaultdict(lambda: [0, 0])
    confusions: collections.Counter = collections.Counter()
    pair_confusions: collections.Counter = collections.Counter()
    for g, p in zip(gold, predicted):
        for cell in (per_label[g], per_service[service_of(g)]):
            cell[1] += 1
            cell[0] += g == p
        if g != p:
            confusions[(g, p)] += 1
            pair_confusions[tuple(sorted((g, p)))] += 1

    correct = sum(g == p for g, p in zip(gold, predicted))
    print(f"{args.folds}-fold CV on {len(examples)} training examples, {len(per_label)} labels")
    print(f"\nPer service:")
    for service, (c, n) in sorted(per_service.items()):
        print(f"  {service:<22}{c / n:>7.1%}{n:>6}")
    print(f"\nWeakest labels (accuracy, n, most frequent wrong prediction):")
    ranked = sorted(per_label.items(), key=lambda kv: (kv[1][0] / kv[1][1], kv[0]))
    for label, (c, n) in ranked[: args.worst or None]:
        wrong = collections.Counter(p for g, p in zip(gold, predicted) if g == label and p != label)
        top = ", ".join(f"{p}×{k}" for p, k in wrong.most_common(2))
        print(f"  {c / n:>6.1%} {n:>4}  {label:<40} {top}")
    print(f"\nMost confused label pairs (both directions):")
    for (a, b), n in pair_confusions.most_common(args.pairs):
        print(f"  {n:>3}  {a} ↔ {b}  ({confusions[(a, b)]} / {confusions[(b, a)]})")
    shown = set(args.label)
    if args.errors or shown:
        print("\nMisclassified examples (gold → predicted):")
        for (text, g), p in zip(examples, predicted):
            if g != p and (args.errors or g in shown):
                print(f"  {g} → {p}: {text}")
    print(f"\nCV accuracy: {correct / len(examples):.1%} ({correct}/{len(examples)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
