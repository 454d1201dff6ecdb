# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
# Shared definitions for the __GFP_UNMAPPED series scripts. Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything generated (kernel tree, build folders, logs) lives in WORK.
# Default: an ignored folder of the project; GFPU_WORK moves it elsewhere,
# e.g. to a cache shared by several clones.
WORK=${GFPU_WORK:-$ROOT/.work}
KTREE=$WORK/linux		# the kernel git tree (or a link to KERNEL_TREE)
BUILD=$WORK/build		# O= build folders
LOGS=$WORK/logs			# guest consoles and parsed results
BASE_TAG=v7.2.8
BASE_VERSION=7.2.8
BRANCH=gfp-unmapped
SERIES=$ROOT/series
PATCHES=$ROOT/patches
# The identity of the series' commits. A person who posts the series upstream
# re-signs every patch with their own Signed-off-by.
IDENT_NAME="GFP_UNMAPPED Series Developers"
IDENT_EMAIL="gfp-unmapped@example.org"
NPROC=$(nproc 2>/dev/null || echo 2)

prog=$(basename "$0")
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }
info() { printf '%s: %s\n' "$prog" "$*" >&2; }

# The patch file names of `series`, in order (comments and blank lines dropped).
series_patches() {
	[ -f "$SERIES" ] || die "no series file at $SERIES"
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$SERIES"
}

# The cover letter in patches/: made by scripts/export, not in `series`.
COVER_LETTER=0000-cover-letter.patch

# fill_cover_letter PATCH TEXT: put the subject (first line of TEXT) and the
# text (from its third line) in place of git format-patch's placeholders.
fill_cover_letter() {
	python3 - "$1" "$2" <<'PY'
import sys
patch, text = sys.argv[1], sys.argv[2]
lines = open(text).read().split('\n')
subject, body = lines[0].strip(), '\n'.join(lines[2:]).strip('\n')
s = open(patch).read()
if s.count('*** SUBJECT HERE ***') != 1 or s.count('*** BLURB HERE ***') != 1:
    sys.exit('placeholders not found in ' + patch)
s = s.replace('*** SUBJECT HERE ***', subject).replace('*** BLURB HERE ***', body)
open(patch, 'w').write(s)
PY
}

# A digest of everything that decides the result of applying the series.
series_digest() {
	{
		series_patches
		series_patches | while read -r p; do
			cat "$PATCHES/$p" 2>/dev/null || echo "missing $p"
		done
	} | sha256sum | cut -d' ' -f1
}

need_tree() {
	[ -d "$KTREE/.git" ] || [ -f "$KTREE/.git" ] ||
		die "no kernel tree at $KTREE: run scripts/setup first"
}

# Commits of the series in the tree: base..branch.
tree_base() {
	if git -C "$KTREE" rev-parse -q --verify "refs/tags/$BASE_TAG^{commit}" >/dev/null; then
		echo "$BASE_TAG"
	else
		cat "$WORK/base" 2>/dev/null || die "cannot tell the base of $KTREE"
	fi
}

# Apply the series with git am on top of the current HEAD of the given tree,
# one patch at a time so that a failure names its patch. On failure the tree
# is left clean (git am --abort) and this returns 1.
am_series() {
	local tree=$1 p out
	while read -r p; do
		[ -f "$PATCHES/$p" ] || { printf '%s: error: series names %s, which is not in patches/\n' "$prog" "$p" >&2; return 1; }
		if ! out=$(git -C "$tree" am --quiet --keep-cr "$PATCHES/$p" 2>&1); then
			git -C "$tree" am --abort >/dev/null 2>&1 || true
			printf '%s: error: patch %s does not apply:\n%s\n' "$prog" "$p" "$out" >&2
			return 1
		fi
	done < <(series_patches)
}

# scratch_tree DIR: a worktree of the kernel tree at the base, clean, with
# no git am in progress. Made on first use, reused afterwards.
scratch_tree() {
	local dir=$1 base
	base=$(tree_base)
	if [ ! -e "$dir/.git" ]; then
		git -C "$KTREE" worktree prune
		git -C "$KTREE" worktree add -q --detach "$dir" "$base" ||
			die "cannot make a worktree at $dir"
	fi
	git -C "$dir" am --abort >/dev/null 2>&1 || true
	git -C "$dir" checkout -q -f --detach "$base"
	git -C "$dir" clean -q -fdx
	rm -rf "$dir/.pc"
}
