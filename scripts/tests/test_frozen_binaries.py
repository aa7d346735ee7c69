"""Frozen release executables: the copy, its COMMIT file, and what rows record."""
from __future__ import annotations

import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import gvmharness as gh  # noqa: E402


class FrozenBinariesTests(unittest.TestCase):
    def test_freeze_copies_the_executables_and_names_their_tree(self):
        with tempfile.TemporaryDirectory() as repo, tempfile.TemporaryDirectory() as frozen:
            release = os.path.join(repo, ".build", "release")
            os.makedirs(release)
            for name in ("gvm-coordinator", "gvm-worker", "gvm-model"):
                with open(os.path.join(release, name), "w") as f:
                    f.write(name)
            with mock.patch.object(gh, "REPO_ROOT", repo), mock.patch.object(gh, "git_revision", return_value="abc1234"):
                self.assertEqual(gh.freeze_binaries(frozen), "abc1234")
            with open(os.path.join(frozen, "gvm-worker")) as f:
                self.assertEqual(f.read(), "gvm-worker")
            with mock.patch.dict(os.environ, {"GVM_BINARIES": frozen}):
                self.assertEqual(gh.binaries_commit(), "abc1234")

    def test_no_frozen_copy_records_no_binaries_commit(self):
        with mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop("GVM_BINARIES", None)
            self.assertIsNone(gh.binaries_commit())
        with tempfile.TemporaryDirectory() as empty, mock.patch.dict(os.environ, {"GVM_BINARIES": empty}):
            self.assertIsNone(gh.binaries_commit())


if __name__ == "__main__":
    unittest.main()
