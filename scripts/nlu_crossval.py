"""Stratified k-fold cross-validation of the intent + FAQ classifier on the TRAINING data only.

Uses the same features and model as bot/nlu/classifier.py (LinearIntentClassifier: the blocks of
bot/nlu/features.py, LinearSVC). It never reads tests/nlu_heldout/, so it can be used freely to
find weak and confusable topics while writing training data.

    PYTHONPATH=. .venv/bin/python scripts/nlu_crossval.py [--folds 5] [--worst 40] [--pairs 40]
        [--label faq/rt_receipt ...]   # also print the misclassified CV examples of these labels
        [--errors]                     # print every misclassified CV example
        [--calibrate]                  # choose the confidence thresholds (config.yml) on out-of-fold predictions

--calibrate: the out-of-fold SVM scores of every training example go through what the chat does with
them (bot.nlu.decision.decide: service words, service-dependent topics; Rasa's FallbackClassifier;
bot.devtools.chat_eval.outcome_of), for a grid of softmax temperatures, thresholds and ambiguity thresholds.
Chosen: among the settings that answer at least --min-direct of the messages directly, the one with the
fewest confident wrong answers (then the most answered right in the chat, a topic list with the right
answer counting ½). It also prints the best setting whose confident-wrong rate is at most
--max-confident-wrong, to show what that target would cost in direct answers.
"""
from __future__ import annotations

import argparse
import collections
import sys
from typing import Dict, List, Sequence, Tuple

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from bot.devtools.evaluation import TRAIN_DIR, read_examples, service_of
from bot.nlu.classifier import BLOCKS, LinearIntentClassifier, build_vectorizers, stack
from bot.nlu.features import kana_variant, message_blocks, words_of


def blocks_of(texts: Sequence[str]) -> Dict[str, list]:
    per_text = [message_blocks(words_of(t), t) for t in texts]
    return {name: [b[name] for b in per_text] for name in BLOCKS}


class Model:
    def __init__(self, c: float = 1.0, seed: int = 42) -> None:
        self.vectorizers = build_vectorizers(LinearIntentClassifier.get_default_config())
        self.svm = LinearSVC(C=c, random_state=seed)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "Model":
        texts, labels = list(texts), list(labels)
        if LinearIntentClassifier.get_default_config()["kana_augmentation"]:  # as the classifier trains
            variants = [(kana_variant(t), l) for t, l in zip(texts, labels)]
            texts += [v for v, _ in variants if v]
            labels += [l for v, l in variants if v]
        self.svm.fit(stack(self.vectorizers, blocks_of(texts), fit=True), labels)
        return self

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.svm.predict(stack(self.vectorizers, blocks_of(texts)))

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        return self.svm.decision_function(stack(self.vectorizers, blocks_of(texts)))


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


def oof_scores(examples: Sequence[Tuple[str, str]], folds: int, seed: int, c: float) -> Tuple[np.ndarray, List[str]]:
    """Out-of-fold SVM scores (one row per example, columns: the labels, sorted)."""
    texts = [t for t, _ in examples]
    labels = np.array([l for _, l in examples])
    classes = sorted(set(labels))
    scores = np.full((len(texts), len(classes)), -10.0)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(texts, labels):
        model = Model(c, seed).fit([texts[i] for i in train_idx], labels[train_idx])
        columns = [classes.index(str(k)) for k in model.svm.classes_]
        scores[np.ix_(test_idx, columns)] = model.scores([texts[i] for i in test_idx])
    return scores, classes


def calibrate(examples: Sequence[Tuple[str, str]], scores: np.ndarray, classes: List[str], max_wrong: float,
              min_direct: float, temperatures: Sequence[float], thresholds: Sequence[float], ambiguities: Sequence[float]) -> Dict:
    from bot.devtools.chat_eval import FALLBACK, ChatScores, outcome_of
    from bot.nlu.decision import decide
    from bot.support.service_words import services_in

    services = [services_in(t) for t, _ in examples]
    gold = [l for _, l in examples]
    results = []
    for temperature in temperatures:
        shifted = (scores - scores.max(axis=1, keepdims=True)) / temperature
        probabilities = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        prepared = []
        for (text, _), row, found in zip(examples, probabilities, services):
            d = decide(classes, row, text, services=found)
            faq = [label for label, _ in d.faq]
            names = [r["name"] for r in d.ranking]
            answered = outcome_of(d.intent["name"], faq, text, found, names)
            offered = outcome_of(FALLBACK, faq, text, found, names)
            margin = d.ranking[0]["confidence"] - d.ranking[1]["confidence"] if len(d.ranking) > 1 else 1.0
            prepared.append((d.intent["confidence"], margin, answered, offered))
        for threshold in thresholds:
            for ambiguity in ambiguities:
                chat = ChatScores()
                for g, (confidence, margin, answered, offered) in zip(gold, prepared):
                    chat.add(g, offered if confidence < threshold or margin < ambiguity else answered)
                report = chat.report(worst=0)
                results.append({"temperature": temperature, "threshold": threshold, "ambiguity": ambiguity, **report})
    direct_enough = [r for r in results if r["direct_rate"] >= min_direct]
    best = min(direct_enough or results, key=lambda r: (round(r["confident_wrong_rate"], 4), -r["chat_accuracy"]))
    safe = [r for r in results if r["confident_wrong_rate"] <= max_wrong]
    safest = max(safe, key=lambda r: (r["chat_accuracy"], r["direct_rate"])) if safe else None
    return {"best": best, "admissible": bool(direct_enough), "safest": safest, "results": results}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--worst", type=int, default=40, help="labels to list, weakest first (0 = all)")
    parser.add_argument("--pairs", type=int, default=40, help="most confused label pairs to list")
    parser.add_argument("--label", action="append", default=[], help="print misclassified examples of this label")
    parser.add_argument("--errors", action="store_true", help="print every misclassified example")
    parser.add_argument("--calibrate", action="store_true", help="choose temperature and fallback thresholds")
    parser.add_argument("--max-confident-wrong", type=float, default=0.01)
    parser.add_argument("--min-direct", type=float, default=0.93)
    args = parser.parse_args(argv)

    examples = read_examples(TRAIN_DIR)
    if args.calibrate:
        scores, classes = oof_scores(examples, args.folds, args.seed, args.C)
        found = calibrate(examples, scores, classes, args.max_confident_wrong, args.min_direct,
                          temperatures=(0.1, 0.15, 0.2, 0.3, 0.5),
                          thresholds=[round(0.3 + 0.025 * i, 3) for i in range(27)],
                          ambiguities=(0.0, 0.04, 0.08, 0.12, 0.16, 0.2))
        print(f"{args.folds}-fold CV on {len(examples)} training examples: chat outcome per setting (best 15 by chat score)")
        print(f"{'T':>5}{'thr':>7}{'amb':>6}{'chat':>8}{'direct':>8}{'conf.wrong':>11}")
        for r in sorted(found["results"], key=lambda r: -r["chat_accuracy"])[:15]:
            print(f"{r['temperature']:>5}{r['threshold']:>7}{r['ambiguity']:>6}{r['chat_accuracy']:>8.1%}"
                  f"{r['direct_rate']:>8.1%}{r['confident_wrong_rate']:>11.2%}")
        def line(r):
            return (f"temperature {r['temperature']}, threshold {r['threshold']}, ambiguity_threshold {r['ambiguity']} → "
                    f"chat {r['chat_accuracy']:.1%}, direct {r['direct_rate']:.1%}, confident wrong {r['confident_wrong_rate']:.2%}")
        if found["safest"]:
            print(f"\nConfident wrong ≤ {args.max_confident_wrong:.1%} in CV needs: {line(found['safest'])}")
        print(f"Chosen (direct ≥ {args.min_direct:.0%}{'' if found['admissible'] else ': NOT reachable'}, fewest confident wrong): "
              f"{line(found['best'])}")
        return 0
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
