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
# The base as a tarball (Debian's .orig tarball of Linux 7.2.8), by name and
# checksum, the commit that scripts/setup makes of it (fixed dates and
# identity, so the same on every machine), which is the base-commit of
# patches/, and its tree (a KERNEL_TREE= tree at the same source has it).
BASE_TARBALL=linux_7.2.8.orig.tar.xz
BASE_TARBALL_SHA256=08f058f9de8d487e32a5c9e2855ee7e35bee1a047e77d37ba797d734c0cc07b3
BASE_TARBALL_COMMIT=f3f123d1f9b3c0dbeaab3a31acc2b9ee20eb3e1d
BASE_TARBALL_TREE=bc143e7f46d2a052f554b41c26a8e4ea16ef9fe8
# The version of the series in patches/, and its previous version: the
# series and patches/ of this repository at V1_COMMIT, which scripts/export
# applies on the base as the tag V1_TAG of the kernel tree, for the
# range-diff it writes next to the patches.
SERIES_VERSION=2
V1_COMMIT=a6b971d5fbe6ff0e286d5d03a563208394f1c789
V1_TAG=gfp-unmapped-v1
RANGE_DIFF=range-diff-v1-v$SERIES_VERSION.txt
BRANCH=gfp-unmapped
SERIES=$ROOT/series
PATCHES=$ROOT/patches
COVER_TXT=$ROOT/cover-letter.txt
SUBJECT_PREFIX="PATCH v$SERIES_VERSION"
# The second series: guest_memfd files without a direct map, on top of the
# first (guest_memfd/series, guest_memfd/patches/, its own cover letter),
# applied by scripts/setup on GMEM_BRANCH in GMEM_TREE, a worktree of the
# kernel tree. Its first version: no range-diff.
GMEM_DIR=$ROOT/guest_memfd
GMEM_BRANCH=gmem-no-direct-map
GMEM_TREE=$WORK/linux-gmem
GMEM_SUBJECT_PREFIX="PATCH"
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

# use_gmem_series: point SERIES, PATCHES, COVER_TXT and SUBJECT_PREFIX at
# the second series, for the helpers that read them.
use_gmem_series() {
	SERIES=$GMEM_DIR/series
	PATCHES=$GMEM_DIR/patches
	COVER_TXT=$GMEM_DIR/cover-letter.txt
	SUBJECT_PREFIX=$GMEM_SUBJECT_PREFIX
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

# am_series TREE [DIR]: apply the series (of DIR/series and DIR/patches/,
# default this repository's) with git am on top of the current HEAD of
# TREE, one patch at a time so that a failure names its patch. The commits
# are the same on every machine for the same base: committed by the
# series' identity, at the author's date. On failure the tree is left
# clean (git am --abort) and this returns 1.
am_series() {
	local tree=$1 dir=${2:-$ROOT} p out
	while read -r p; do
		[ -f "$dir/patches/$p" ] || { printf '%s: error: series names %s, which is not in patches/\n' "$prog" "$p" >&2; return 1; }
		if ! out=$(GIT_COMMITTER_NAME="$IDENT_NAME" GIT_COMMITTER_EMAIL="$IDENT_EMAIL" \
			git -C "$tree" am --quiet --keep-cr --committer-date-is-author-date \
			"$dir/patches/$p" 2>&1); then
			git -C "$tree" am --abort >/dev/null 2>&1 || true
			printf '%s: error: patch %s does not apply:\n%s\n' "$prog" "$p" "$out" >&2
			return 1
		fi
	done < <(SERIES=$dir/series series_patches)
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

# v1_tag: make sure that the kernel tree has V1_TAG, the previous version
# of the series applied on the base, made from this repository's history
# (a clone with its history has it; a shallow one does not).
v1_tag() {
	local tmp tree=$WORK/v1-tree base
	base=$(tree_base)
	# Made on this base (a tree of another origin may have the tag on
	# another commit of the same source): keep it.
	if git -C "$KTREE" rev-parse -q --verify "refs/tags/$V1_TAG^{commit}" >/dev/null &&
		git -C "$KTREE" merge-base --is-ancestor "$base" "$V1_TAG"; then
		return 0
	fi
	git -C "$ROOT" cat-file -e "$V1_COMMIT^{commit}" 2>/dev/null ||
		die "this clone does not have $V1_COMMIT, which holds v1 of the series (a shallow clone? git fetch --unshallow)"
	tmp=$(mktemp -d)
	if ! git -C "$ROOT" archive "$V1_COMMIT" series patches | tar -x -C "$tmp"; then
		rm -rf "$tmp"
		die "cannot read series and patches/ of $V1_COMMIT"
	fi
	scratch_tree "$tree"
	if ! am_series "$tree" "$tmp"; then
		rm -rf "$tmp"
		die "v1 of the series ($V1_COMMIT) does not apply on $base"
	fi
	rm -rf "$tmp"
	git -C "$KTREE" tag -f "$V1_TAG" "$(git -C "$tree" rev-parse HEAD)" >/dev/null ||
		die "cannot tag $V1_TAG"
	info "tagged v1 of the series ($V1_COMMIT) as $V1_TAG in $KTREE"
}
