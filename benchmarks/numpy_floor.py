"""A hand-written NumPy MLP step: manual backprop into preallocated buffers (the floor).

ReLU hidden layers, softmax cross-entropy, plain SGD; every array it touches per step is
allocated once. This is what a careful person writes by hand; a library can only add to it.
"""

from __future__ import annotations

import numpy as np


class NumpyMLP:
    def __init__(self, sizes, batch, lr=0.01, seed=0, dtype=np.float32):
        rng = np.random.default_rng(seed)
        self.lr = dtype(lr)
        self.W = [(rng.uniform(-1, 1, (o, i)) / np.sqrt(i)).astype(dtype)
                  for i, o in zip(sizes[:-1], sizes[1:])]
        self.b = [np.zeros(o, dtype) for o in sizes[1:]]
        self.z = [np.empty((batch, o), dtype) for o in sizes[1:]]   # pre-activations
        self.h = [np.empty((batch, o), dtype) for o in sizes[1:-1]]  # activations
        self.dz = [np.empty((batch, o), dtype) for o in sizes[1:]]
        self.dh = [np.empty((batch, o), dtype) for o in sizes[1:-1]]
        self.dW = [np.empty_like(w) for w in self.W]
        self.db = [np.empty_like(b) for b in self.b]
        self.rows = np.arange(batch)

    def step(self, X, y):
        L = len(self.W)
        a = X
        for k in range(L):
            np.matmul(a, self.W[k].T, out=self.z[k])
            self.z[k] += self.b[k]
            if k < L - 1:
                np.maximum(self.z[k], 0, out=self.h[k])
                a = self.h[k]
        # softmax cross-entropy: dz = (softmax(z) - onehot(y)) / N
        z, dz = self.z[-1], self.dz[-1]
        np.subtract(z, z.max(axis=1, keepdims=True), out=dz)
        np.exp(dz, out=dz)
        dz /= dz.sum(axis=1, keepdims=True)
        loss = -np.log(dz[self.rows, y]).mean()
        dz[self.rows, y] -= 1
        dz /= len(y)
        for k in range(L - 1, -1, -1):
            a = X if k == 0 else self.h[k - 1]
            np.matmul(self.dz[k].T, a, out=self.dW[k])
            np.sum(self.dz[k], axis=0, out=self.db[k])
            if k > 0:
                np.matmul(self.dz[k], self.W[k], out=self.dh[k - 1])
                np.multiply(self.dh[k - 1], self.z[k - 1] > 0, out=self.dz[k - 1])
        for w, dw, b, db in zip(self.W, self.dW, self.b, self.db):
            dw *= self.lr
            w -= dw
            db *= self.lr
            b -= db
        return loss
