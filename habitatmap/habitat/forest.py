"""Exact, fast inference for scikit-learn random forests.

scikit-learn walks every tree for every pixel, one branch at a time, and sums a class-probability
row per tree in float64. Two things make a habitat map cheaper to predict without changing a label:

* **Tree at a time over a chunk of pixels.** The pixel indices are partitioned at each node
  (branch-free: each index is written to both sides and one cursor advances), so the CPU never
  guesses a branch and one tree's nodes stay in cache while thousands of pixels pass through them.
* **Votes as counts when every leaf is pure.** A forest grown to purity (scikit-learn's default)
  has leaves whose probability row is a single 1.0, so each tree casts one whole vote; the kernel
  then keeps per-pixel uint8 vote counts instead of float64 sums (a quarter of the cache traffic,
  measured about 15% faster) and its argmax is the same.
* **Stop when the vote is decided.** After each tree, a pixel whose leading class is ahead of every
  other class by more than the trees still to come can no longer change its label; it drops out.
  (On the sample's model a pixel needs about 65 of the 100 trees.)

The kernel is compiled with numba (no C compiler needed on the user's machine). treelite/tl2cgen
was measured too: on this project's forests its compiled code predicted more slowly than
scikit-learn and took half a minute to compile, so it is not used.

Labels are identical to ``RandomForestClassifier.predict``: thresholds are converted to float32 by
rounding *down* (for a float32 value ``x``, ``x <= t64`` exactly when ``x <= t32``), probabilities are
summed in float64 in tree order as scikit-learn does, ties go to the first class, and the early stop
keeps a margin far larger than float64 rounding. The tests compare against scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

__all__ = ["CompiledForest", "supports"]

#: Pixels per kernel call: the per-pixel float64 class sums of one chunk stay in the L2 cache.
CHUNK = 8192
#: Depth limit of the kernel's segment stack (a depth-first walk holds at most depth + 1 entries).
MAX_DEPTH = 4000


def supports(estimator: object) -> bool:
    """True if ``estimator`` is a fitted forest classifier this module can predict exactly."""
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

    return (isinstance(estimator, RandomForestClassifier | ExtraTreesClassifier)
            and hasattr(estimator, "estimators_") and getattr(estimator, "n_outputs_", 1) == 1)


def _threshold32(t64: np.ndarray) -> np.ndarray:
    """Largest float32 <= each float64 threshold, so float32 comparisons equal float64 ones."""
    t32 = t64.astype(np.float32)
    over = t32.astype(np.float64) > t64
    t32[over] = np.nextafter(t32[over], np.float32(-np.inf))
    return t32


@dataclass(frozen=True)
class CompiledForest:
    """A fitted forest flattened into arrays for the inference kernel.

    Attributes
    ----------
    feature, threshold, left, right
        Node arrays of all trees concatenated (``feature < 0`` marks a leaf).
    values
        Per-node class probabilities as each tree reports them (rows sum to 1).
    onehot
        Class index for leaves whose probability row is one class only, else -1 (a faster, exactly
        equivalent update: adding 0.0 to the other classes changes nothing).
    roots
        Index of each tree's root node.
    classes
        The estimator's ``classes_``.
    """

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    values: np.ndarray
    onehot: np.ndarray
    roots: np.ndarray
    classes: np.ndarray

    @classmethod
    def from_sklearn(cls, estimator: object) -> CompiledForest:
        """Flatten a fitted ``RandomForestClassifier`` or ``ExtraTreesClassifier``."""
        if not supports(estimator):
            raise TypeError("CompiledForest needs a fitted single-output forest classifier")
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("f", "t", "l", "r", "v")}
        roots, offset = [], 0
        for tree_est in estimator.estimators_:  # type: ignore[attr-defined]
            tree = tree_est.tree_
            if tree.max_depth >= MAX_DEPTH:
                raise ValueError(f"a tree of depth {tree.max_depth} is deeper than {MAX_DEPTH}")
            n = tree.node_count
            leaf = tree.children_left < 0
            roots.append(offset)
            parts["f"].append(np.where(leaf, -1, tree.feature).astype(np.int64))
            parts["t"].append(_threshold32(tree.threshold))
            parts["l"].append(np.where(leaf, -1, tree.children_left + offset).astype(np.int64))
            parts["r"].append(np.where(leaf, -1, tree.children_right + offset).astype(np.int64))
            # What DecisionTreeClassifier.predict_proba returns for a leaf: the row normalised.
            value = tree.value[:, 0, :].astype(np.float64)
            norm = value.sum(axis=1, keepdims=True)
            norm[norm == 0.0] = 1.0
            parts["v"].append(value / norm)
            offset += n
        values = np.ascontiguousarray(np.concatenate(parts["v"]))
        is_onehot = ((values == 0.0) | (values == 1.0)).all(axis=1) & (values == 1.0).any(axis=1)
        onehot = np.where(is_onehot, values.argmax(axis=1), -1).astype(np.int64)
        return cls(np.concatenate(parts["f"]), np.concatenate(parts["t"]), np.concatenate(parts["l"]),
                   np.concatenate(parts["r"]), values, onehot, np.asarray(roots, dtype=np.int64),
                   np.asarray(estimator.classes_))  # type: ignore[attr-defined]

    @property
    def n_features(self) -> int:
        """Number of features the forest splits on (at most)."""
        return int(self.feature.max()) + 1 if (self.feature >= 0).any() else 0

    def predict_index(self, xt: np.ndarray) -> np.ndarray:
        """Class indices (into :attr:`classes`) for feature-major pixels.

        Parameters
        ----------
        xt
            Array of shape ``(n_features, n_pixels)``; converted to C-contiguous float32. No NaN.

        Returns
        -------
        numpy.ndarray
            int64 indices of shape ``(n_pixels,)``.
        """
        xt = np.ascontiguousarray(xt, dtype=np.float32)
        n = xt.shape[1]
        out = np.empty(n, dtype=np.int64)
        # Whole votes fit uint8 counts (exact integers, same argmax); otherwise float64 sums.
        votes = self.whole_votes
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            m = stop - start
            acc = np.zeros((m, len(self.classes)), dtype=np.uint8 if votes else np.float64)
            lead = np.zeros(m, dtype=acc.dtype)
            _predict_chunk(np.ascontiguousarray(xt[:, start:stop]), self.feature, self.threshold,
                           self.left, self.right, self.values, self.onehot, self.roots, acc, lead,
                           out[start:stop])
        return out

    @property
    def whole_votes(self) -> bool:
        """True when every leaf votes for one class and the trees fit a uint8 vote count."""
        leaves = self.feature < 0
        return bool((self.onehot[leaves] >= 0).all()) and len(self.roots) < 256

    def predict(self, xt: np.ndarray) -> np.ndarray:
        """Class labels, as ``estimator.predict(xt.T)`` would return them."""
        return self.classes[self.predict_index(xt)]


@numba.njit(nogil=True, cache=True, boundscheck=False)
def _predict_chunk(xt, feature, threshold, left, right, values, onehot, roots, acc, lead,
                   out):  # pragma: no cover
    # acc (pixels x classes) and lead (each pixel's largest class sum so far) come zeroed from the
    # caller: uint8 vote counts when every leaf is one-hot, float64 probability sums otherwise
    # (numba compiles one version for each). Unsigned indices in the hot loops spare numba's
    # negative-index wrap-around checks (measured about 1.5x on the partition loop).
    u1 = np.uint64(1)
    n = xt.shape[1]
    n_trees = roots.shape[0]
    n_classes = values.shape[1]
    active = np.arange(n).astype(np.uint32)
    n_active = n
    # Segments of one depth live in buf[depth % 2]; a node partitions its segment into the other
    # buffer at the same positions, so nothing is copied back.
    buf = np.empty((2, n), dtype=np.uint32)
    stack = np.empty((4096, 4), dtype=np.int64)  # (node, start, stop, buffer)
    for t in range(n_trees):
        buf[0, :n_active] = active[:n_active]
        stack[0, 0] = roots[t]
        stack[0, 1] = 0
        stack[0, 2] = n_active
        stack[0, 3] = 0
        sp = 1
        while sp > 0:
            sp -= 1
            node = stack[sp, 0]
            s = np.uint64(stack[sp, 1])
            e = np.uint64(stack[sp, 2])
            b = stack[sp, 3]
            if s == e:
                continue
            src = buf[b]
            f = feature[node]
            if f < 0:
                c = onehot[node]
                if c >= 0:
                    for p in range(s, e):
                        i = np.uint64(src[p])
                        v = acc[i, c] + u1
                        acc[i, c] = v
                        lead[i] = max(lead[i], v)
                else:
                    for p in range(s, e):
                        i = np.uint64(src[p])
                        for k in range(n_classes):
                            v = acc[i, k] + values[node, k]
                            acc[i, k] = v
                            lead[i] = max(lead[i], v)
                continue
            dst = buf[1 - b]
            th = threshold[node]
            row = xt[f]
            lo = s
            hi = e - u1
            for p in range(s, e):
                i = src[p]
                go_left = np.uint64(row[np.uint64(i)] <= th)
                dst[lo] = i
                dst[hi] = i
                lo += go_left
                hi -= u1 - go_left
            stack[sp, 0] = right[node]
            stack[sp, 1] = lo
            stack[sp, 2] = e
            stack[sp, 3] = 1 - b
            sp += 1
            stack[sp, 0] = left[node]
            stack[sp, 1] = s
            stack[sp, 2] = lo
            stack[sp, 3] = 1 - b
            sp += 1
        remaining = n_trees - 1 - t
        if 2 * remaining < n_trees:
            kept = 0
            for q in range(n_active):
                i = np.uint64(active[q])
                if lead[i] <= remaining:  # cannot be decided yet: skip the scan over classes
                    active[kept] = i
                    kept += 1
                    continue
                first = -1.0
                second = -1.0
                for k in range(n_classes):
                    v = np.float64(acc[i, k])
                    if v > first:
                        second = first
                        first = v
                    elif v > second:
                        second = v
                # Each remaining tree adds at most 1.0 to any class; 1e-6 dwarfs float64 rounding.
                if not (first - second > remaining + 1e-6):
                    active[kept] = i
                    kept += 1
            n_active = kept
            if n_active == 0:
                break
    for i in range(n):
        best = 0
        best_v = np.float64(acc[i, 0]) / n_trees
        for k in range(1, n_classes):
            v = np.float64(acc[i, k]) / n_trees
            if v > best_v:
                best_v = v
                best = k
        out[i] = best
