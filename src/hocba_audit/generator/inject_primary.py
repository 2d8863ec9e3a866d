"""Defects in primary (TT 27) records: family 'primary' (evaluations) and PRIMARY_OVERALL_WRONG
(family 'result'). Evaluation defects are placed at GK1/CK1/GK2 only, so the year result (which
reads the CN checkpoint) stays consistent with what is recorded."""

from __future__ import annotations

from decimal import Decimal

from . import tt27
from .curriculum import ITEM_SUBJECT
from .defects import family_codes
from .injector import Injector
from .primary import PriPupil, evaluate

Item = tuple[PriPupil, str, str]
_BAD_SCORES = (Decimal(0), Decimal("7.5"), Decimal("8.5"), Decimal(11), Decimal(12), Decimal(75))
_WRONG_OVERALL = {
    tt27.HTXS: (tt27.HTT,),
    tt27.HTT: (tt27.HTXS, tt27.HT),
    tt27.HT: (tt27.HTT, tt27.CHT),
    tt27.CHT: (tt27.HT,),
}


class PrimaryDefects:
    def __init__(self, inj: Injector, pupils: list[PriPupil]):
        self.inj, self.pupils = inj, pupils
        self.touched: set[tuple[str, str, str]] = set()

    def key(self, p: PriPupil, kind: str, item: str, cp: str) -> str:
        return f"{self.inj.school_year}|{p.code}|{kind}|{item}|{cp}"

    def _tested(self, r: Item) -> list[str]:
        p, kind, item = r
        return [cp for cp in p.checkpoints
                if cp != "CN" and p.evals[(kind, item, cp)][1] is not None]

    def item_codes(self, r: Item) -> list[str]:
        if r[0].code + r[1] + r[2] in self.touched:
            return []
        out = ["PRIMARY_LEVEL_CODE_INVALID"]
        if self._tested(r):
            out += ["PRIMARY_TEST_SCORE_INVALID", "PRIMARY_TEST_SCORE_MISSING"]
        return out

    def apply_item(self, r: Item, code: str) -> bool:
        p, kind, item = r
        rng = self.inj.rng
        if code == "PRIMARY_LEVEL_CODE_INVALID":
            cp = rng.choice([c for c in p.checkpoints if c != "CN"])
            e = p.evals[(kind, item, cp)]
            old, e[0] = e[0], ("Đ" if kind == ITEM_SUBJECT else "H")
            self.inj.record("primary_evaluations", self.key(p, kind, item, cp), "level", code,
                            f"{e[0]} is not a {kind} level (was {old})")
        else:
            cp = rng.choice(self._tested(r))
            e = p.evals[(kind, item, cp)]
            old = e[1]
            e[1] = rng.choice(_BAD_SCORES) if code == "PRIMARY_TEST_SCORE_INVALID" else None
            self.inj.record("primary_evaluations", self.key(p, kind, item, cp), "test_score", code,
                            f"test mark {e[1]} (was {old})")
        self.touched.add(p.code + kind + item)
        return True

    def overall_codes(self, p: PriPupil) -> list[str]:
        return [] if p.departed or "overall" in p.overrides else ["PRIMARY_OVERALL_WRONG"]

    def apply_overall(self, p: PriPupil, code: str) -> bool:
        cur = p.res["overall"]
        new = self.inj.rng.choice(_WRONG_OVERALL[cur])
        p.overrides["overall"] = new
        self.inj.record("primary_results", f"{self.inj.school_year}|{p.code}", "overall", code,
                        f"recorded {new}, CN evaluations give {cur}")
        evaluate(p)
        return True

    def run(self) -> None:
        inj, lvl = self.inj, self.inj.level
        items = []
        for p in self.pupils:
            seen = []
            for (kind, item, _cp) in p.evals:
                if not seen or seen[-1] != (kind, item):
                    seen.append((kind, item))
            items += [(p, kind, item) for kind, item in seen]
        inj.run_family(family_codes("primary", lvl), items, self.item_codes, self.apply_item)
        inj.run_family(["PRIMARY_OVERALL_WRONG"], self.pupils, self.overall_codes,
                       self.apply_overall)
