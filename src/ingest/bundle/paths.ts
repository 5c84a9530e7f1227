/**
 * Member paths of untrusted bundles: normalise them, refuse the hostile ones, and resolve links inside
 * the bundle only. Nothing here touches the file system: a member path is a name, never a place to write.
 */

/** A normalised member path, or why it is refused. Null for the bundle's root itself ("./"). */
export type NormalizedPath = { readonly path: string } | { readonly refused: string } | null;

/** Normalise a member name: strip "./", collapse "//", refuse absolute paths, ".." and NUL. */
export function normalizeMemberPath(raw: string): NormalizedPath {
  if (raw.includes('\0')) return { refused: 'NUL byte in the member name' };
  if (raw.startsWith('/') || /^[A-Za-z]:[\\/]/.test(raw) || raw.startsWith('\\\\')) return { refused: 'absolute path' };
  const parts: string[] = [];
  for (const p of raw.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') return { refused: "'..' component (path traversal)" };
    parts.push(p);
  }
  if (parts.length === 0) return null;
  return { path: parts.join('/') };
}

/** Where a link points inside the bundle, or why it is refused. */
export type LinkResolution = { readonly path: string } | { readonly refused: string };

/**
 * Resolve a link's target to a member path. Symlink targets are relative to the link's directory;
 * hard-link targets (tar) name a member from the bundle's root. Absolute targets and targets that climb
 * above the bundle's root point outside it and are refused (even when they would land back inside).
 */
export function resolveLinkTarget(linkPath: string, target: string, hard: boolean): LinkResolution {
  if (target.includes('\0')) return { refused: 'NUL byte in the link target' };
  if (target.startsWith('/') || /^[A-Za-z]:[\\/]/.test(target)) return { refused: `link to an absolute path outside the bundle (${target})` };
  const parts = hard ? [] : linkPath.split('/').slice(0, -1);
  for (const p of target.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) return { refused: `link points outside the bundle (${target})` };
      parts.pop();
      continue;
    }
    parts.push(p);
  }
  if (parts.length === 0) return { refused: `link points at the bundle's root (${target})` };
  return { path: parts.join('/') };
}

/** The last segment of a member path. */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? path : path.slice(i + 1);
}

/** The directory part of a member path ('' at the root). */
export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}
