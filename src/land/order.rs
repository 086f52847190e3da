//! The order of the queue, decided from the candidates' overlaps so that
//! as many land as possible: sessions that overlap no other first, then
//! those whose overlaps all merge cleanly, then the conflicting ones chosen
//! greedily (the one that conflicts with the fewest others still in play
//! first, which rules out its rivals; those go last). Ties by creation time,
//! then id, so the order is deterministic.

use crate::error::Result;
use crate::merge::{self, Merge};
use crate::repo::Repo;
use crate::snapshot::parse_oid;

use super::candidates::Candidate;

/// The candidates' indices in landing order.
pub fn decide(repo: &Repo, cands: &[Candidate]) -> Result<Vec<usize>> {
    let n = cands.len();
    let mut overlaps = vec![false; n];
    let mut conflicts = vec![Vec::new(); n];
    for i in 0..n {
        for j in i + 1..n {
            if cands[i].paths.is_disjoint(&cands[j].paths) {
                continue;
            }
            overlaps[i] = true;
            overlaps[j] = true;
            if !merges_cleanly(repo, &cands[i], &cands[j])? {
                conflicts[i].push(j);
                conflicts[j].push(i);
            }
        }
    }
    let key = |i: &usize| {
        (
            cands[*i].session.meta.created.clone(),
            cands[*i].session.id.to_string(),
        )
    };
    let tier = |pick: &dyn Fn(usize) -> bool| {
        let mut v: Vec<usize> = (0..n).filter(|i| pick(*i)).collect();
        v.sort_by_key(key);
        v
    };
    let mut order = tier(&|i| !overlaps[i]);
    order.extend(tier(&|i| overlaps[i] && conflicts[i].is_empty()));
    let rivals = tier(&|i| !conflicts[i].is_empty());
    order.extend(greedy(&rivals, &conflicts, key));
    Ok(order)
}

/// The conflicting candidates: repeatedly the one with the fewest conflicts
/// among those still in play, its rivals put aside; then the rivals.
fn greedy<K: Ord>(
    rivals: &[usize],
    conflicts: &[Vec<usize>],
    key: impl Fn(&usize) -> K,
) -> Vec<usize> {
    let mut in_play: Vec<usize> = rivals.to_vec();
    let mut chosen = Vec::new();
    let mut aside = Vec::new();
    while !in_play.is_empty() {
        let degree = |i: usize| conflicts[i].iter().filter(|j| in_play.contains(j)).count();
        let best = *in_play
            .iter()
            .min_by_key(|i| (degree(**i), key(i)))
            .expect("not empty");
        chosen.push(best);
        for j in &conflicts[best] {
            if in_play.contains(j) {
                aside.push(*j);
            }
        }
        in_play.retain(|i| *i != best && !conflicts[best].contains(i));
    }
    aside.sort_by_key(&key);
    chosen.extend(aside);
    chosen
}

/// Would the two changes merge without a conflict (from the merge base of
/// their bases)?
fn merges_cleanly(repo: &Repo, a: &Candidate, b: &Candidate) -> Result<bool> {
    let base = if a.session.base == b.session.base {
        a.session.base
    } else {
        let out = repo.git().output([
            "merge-base",
            &a.session.base.to_string(),
            &b.session.base.to_string(),
        ])?;
        match parse_oid(&String::from_utf8_lossy(&out.stdout)) {
            Ok(base) => base,
            Err(_) => return Ok(false),
        }
    };
    Ok(matches!(
        merge::trees(repo, repo.resolve_tree(base)?, a.snap_tree, b.snap_tree)?,
        Merge::Clean(_)
    ))
}

#[cfg(test)]
mod tests {
    use super::greedy;

    #[test]
    fn the_greedy_choice_lands_the_leaves_of_a_star_before_its_centre() {
        // 0 conflicts with 1, 2 and 3; those three do not conflict.
        let conflicts = vec![vec![1, 2, 3], vec![0], vec![0], vec![0]];
        assert_eq!(greedy(&[0, 1, 2, 3], &conflicts, |i| *i), vec![1, 2, 3, 0]);
    }

    #[test]
    fn of_a_conflicting_pair_the_older_goes_first() {
        let conflicts = vec![vec![1], vec![0]];
        assert_eq!(greedy(&[0, 1], &conflicts, |i| *i), vec![0, 1]);
        assert_eq!(greedy(&[0, 1], &conflicts, |i| 10 - *i), vec![1, 0]);
    }
}
