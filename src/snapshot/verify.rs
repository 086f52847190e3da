//! The paths git refuses to put in an index: git's `verify_path()` with
//! its defaults on Linux (`core.protectNTFS` on, `core.protectHFS` off).
//! `.GIT/config`, `git~1/x` or a symlink named `.gitmodules` made in a
//! worktree fail every `git add -A` there ("invalid path"); a snapshot
//! leaves them out instead, and says so.

/// Where `path` (relative to the worktree, `/`-separated) stops being a
/// path git accepts: the length of its prefix up to and including the
/// first component git refuses, or `None` when git takes the whole path.
/// `symlink` is whether the entry at `path` is a symbolic link, for which
/// git also refuses `.gitmodules` and its NTFS spellings.
pub fn refused_prefix(path: &[u8], symlink: bool) -> Option<usize> {
    let at = |i: usize| path.get(i).copied().unwrap_or(0);
    let component_end = |from: usize| {
        path[from.min(path.len())..]
            .iter()
            .position(|b| *b == b'/')
            .map_or(path.len(), |p| from + p)
    };
    let ntfs = |from: usize| {
        let rest = &path[from.min(path.len())..];
        is_ntfs_dotgit(rest) || (symlink && is_ntfs_dotgitmodules(rest))
    };
    let mut start = 0;
    loop {
        // At the start of a component.
        if ntfs(start) {
            return Some(component_end(start));
        }
        match at(start) {
            b'.' if !dotfile_ok(&path[start + 1..], symlink) => {
                return Some(component_end(start));
            }
            // An empty component, or a path ending in a slash.
            0 | b'/' => return Some(component_end(start)),
            _ => {}
        }
        let mut i = start + 1;
        loop {
            match at(i) {
                0 => return None,
                b'/' => {
                    start = i + 1;
                    break;
                }
                b'\\' if ntfs(i + 1) => {
                    return Some(component_end(i));
                }
                _ => i += 1,
            }
        }
    }
}

/// git's `verify_dotfile()`: `rest` follows a component's leading dot.
fn dotfile_ok(rest: &[u8], symlink: bool) -> bool {
    let at = |i: usize| rest.get(i).copied().unwrap_or(0);
    let ends = |i: usize| matches!(at(i), 0 | b'/');
    if ends(0) {
        return false; // "."
    }
    if at(0) == b'.' && ends(1) {
        return false; // ".."
    }
    if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"git") {
        if ends(3) {
            return false; // ".git", any case
        }
        if symlink && rest.len() >= 10 && rest[3..10].eq_ignore_ascii_case(b"modules") && ends(10) {
            return false;
        }
    }
    true
}

/// Whether only spaces and dots follow up to the end, a `:` (an NTFS
/// stream) or, with `seps`, a directory separator.
fn only_spaces_and_dots(rest: &[u8], seps: bool) -> bool {
    for &c in rest {
        match c {
            b':' => return true,
            b'/' | b'\\' if seps => return true,
            b' ' | b'.' => {}
            _ => return false,
        }
    }
    true
}

/// git's `is_ntfs_dotgit()`: `.git` or `git~1`, any case, with trailing
/// spaces or dots, which NTFS takes as the same name.
fn is_ntfs_dotgit(name: &[u8]) -> bool {
    let rest = if name.len() >= 4 && name[0] == b'.' && name[1..4].eq_ignore_ascii_case(b"git") {
        &name[4..]
    } else if name.len() >= 5 && name[..3].eq_ignore_ascii_case(b"git") && &name[3..5] == b"~1" {
        &name[5..]
    } else {
        return false;
    };
    only_spaces_and_dots(rest, true)
}

/// git's `is_ntfs_dotgitmodules()`: `.gitmodules` and its NTFS short names
/// (`gitmod~1`..`~4`, `gi7eba~N`).
fn is_ntfs_dotgitmodules(name: &[u8]) -> bool {
    const NAME: &[u8] = b"gitmodules";
    const SHORT: &[u8] = b"gi7eba";
    let at = |i: usize| name.get(i).copied().unwrap_or(0);
    if at(0) == b'.' && name.len() > NAME.len() && name[1..=NAME.len()].eq_ignore_ascii_case(NAME) {
        return only_spaces_and_dots(&name[NAME.len() + 1..], false);
    }
    if name.len() >= 8
        && name[..6].eq_ignore_ascii_case(&NAME[..6])
        && at(6) == b'~'
        && (b'1'..=b'4').contains(&at(7))
    {
        return only_spaces_and_dots(&name[8..], false);
    }
    // The fall-back short name: up to six characters of the hash, `~`, digits.
    let mut saw_tilde = false;
    let mut i = 0;
    while i < 8 {
        let c = at(i);
        if c == 0 {
            return false;
        } else if saw_tilde {
            if !c.is_ascii_digit() {
                return false;
            }
        } else if c == b'~' {
            i += 1;
            if !(b'1'..=b'9').contains(&at(i)) {
                return false;
            }
            saw_tilde = true;
        } else if i >= 6 || c & 0x80 != 0 || c.to_ascii_lowercase() != SHORT[i] {
            return false;
        }
        i += 1;
    }
    only_spaces_and_dots(&name[8..], false)
}

#[cfg(test)]
mod tests {
    use super::refused_prefix;

    #[test]
    fn what_git_refuses() {
        fn refused(p: &str, link: bool) -> Option<&str> {
            refused_prefix(p.as_bytes(), link).map(|n| &p[..n])
        }
        assert_eq!(refused(".GIT/config", false), Some(".GIT"));
        assert_eq!(refused("d/.Git/hooks/x", false), Some("d/.Git"));
        assert_eq!(refused("git~1/x", false), Some("git~1"));
        assert_eq!(refused("GIT~1", false), Some("GIT~1"));
        assert_eq!(refused(".git./x", false), Some(".git."));
        assert_eq!(refused(".git /x", false), Some(".git "));
        assert_eq!(refused(".git:x", false), Some(".git:x"));
        assert_eq!(refused("x/.git\\y", false), Some("x/.git\\y"));
        assert_eq!(refused("x/y\\.git", false), Some("x/y\\.git"));
        assert_eq!(refused(".gitmodules", true), Some(".gitmodules"));
        assert_eq!(refused("d/GITMOD~1", true), Some("d/GITMOD~1"));
        for fine in [
            "a\\b",
            ".gitmodules",
            ".gitignore",
            ".github/x",
            "git~2",
            "a.git",
            ".gitx/y",
            "d/.GITMODULES",
        ] {
            assert_eq!(refused(fine, false), None, "{fine}");
        }
        assert_eq!(refused(".gitattributes", true), None);
    }
}
