"""Defects in THCS/THPT/GDTX grade books: families 'mark', 'average', 'result' and the mark part
of 'encoding'. At most one mark/average defect per (pupil, subject); one result defect per pupil.
After each defect the pupil is re-evaluated, so downstream recorded values follow the recorded
(possibly wrong) upstream values and no undeclared inconsistency appears.
"""

from __future__ import annotations

from decimal import Decimal

from . import tt22
from .curriculum import SubjectDef
from .defects import family_codes
from .injector import Injector
from .records import Raw
from .secondary import DEC, SecPupil, correct_value, evaluate, group_parts, make_group

_DELTAS = tuple(Decimal(x) for x in ("0.1", "0.2", "0.3", "0.5", "1.0"))
_FRACTIONS = tuple(Decimal(x) for x in ("0.25", "0.75", "0.05", "0.33", "0.67"))
Group = tuple[SecPupil, SubjectDef, int]
Row = tuple[SecPupil, SubjectDef, str]


class SecondaryDefects:
    def __init__(self, inj: Injector, pupils: list[SecPupil]):
        self.inj, self.pupils = inj, pupils
        self.touched: set[tuple[str, str]] = set()
        self.sy = inj.school_year

    def mkey(self, p: SecPupil, s: str, sem: int, kind: str, idx: int) -> str:
        return f"{self.sy}|{p.code}|{s}|{sem}|{kind}|{idx}"

    def rkey(self, p: SecPupil, s: str, period: str) -> str:
        return f"{self.sy}|{p.code}|{s}|{period}"

    # -- family 'mark' --------------------------------------------------------------------
    def mark_codes(self, r: Group) -> list[str]:
        p, sd, sem = r
        if (p.code, sd.code) in self.touched:
            return []
        out = ["MARK_OUT_OF_RANGE", "MARK_TOO_MANY_DECIMALS", "MARK_MISSING_TX",
               "MARK_DUPLICATE_GK", "MARK_MISSING_CK"]
        if p.departed and (sd.code, 2) not in p.groups:
            out.append("MARK_AFTER_TRANSFER_OUT")
        return out

    def apply_mark(self, r: Group, code: str) -> bool:
        p, sd, sem = r
        rng, inj = self.inj.rng, self.inj
        g = p.groups[(sd.code, sem)]
        period = f"HK{sem}"
        original = correct_value(p, sd, sem)
        if code == "MARK_OUT_OF_RANGE":
            e = rng.choice(g)
            v = e[2]
            e[2] = v * 10 if v > 1 else Decimal(rng.randint(11, 15))
            p.overrides[(sd.code, period)] = original  # the book's average used the true mark
            inj.record("marks", self.mkey(p, sd.code, sem, e[0], e[1]), "value", code,
                       f"{v} written as {e[2]}")
            if correct_value(p, sd, sem) != original:
                inj.record("subject_results", self.rkey(p, sd.code, period), "average",
                           "AVG_HK_ARITHMETIC",
                           f"implied by MARK_OUT_OF_RANGE: recorded {original} from the true mark",
                           count=False)
        elif code == "MARK_TOO_MANY_DECIMALS":
            e = rng.choice(g)
            v, d = e[2], rng.choice(_FRACTIONS)
            e[2] = v + d if v + d <= 10 else v - d
            inj.record("marks", self.mkey(p, sd.code, sem, e[0], e[1]), "value", code,
                       f"{v} written as {e[2]}")
        elif code == "MARK_MISSING_TX":
            tx = [e for e in g if e[0] == "TX"]
            last = tx[-1]
            g.remove(last)
            inj.record("marks", self.mkey(p, sd.code, sem, "TX", last[1]), "value", code,
                       f"{len(tx) - 1} TX of {sd.n_tx} required; "
                       "average recomputed from the marks present")
        elif code == "MARK_DUPLICATE_GK":
            gk = next(e for e in g if e[0] == "GK")
            v = gk[2]
            other = v + Decimal("1.5") if v <= Decimal("8.5") else v - Decimal("1.5")
            g.insert(g.index(gk) + 1, ["GK", 2, other])
            p.overrides[(sd.code, period)] = original
            inj.record("marks", self.mkey(p, sd.code, sem, "GK", 2), "value", code,
                       f"second GK {other}; recorded average uses GK idx 1 ({v})")
        elif code == "MARK_MISSING_CK":
            ck = next(e for e in g if e[0] == "CK")
            g.remove(ck)
            p.overrides[(sd.code, period)] = original
            inj.record("marks", self.mkey(p, sd.code, sem, "CK", 1), "value", code,
                       f"CK ({ck[2]}) absent; recorded average {original} used it")
        elif code == "MARK_AFTER_TRANSFER_OUT":
            hk1 = group_parts(g)
            mean = float(sum(hk1[0], Decimal(0)) / len(hk1[0]))
            g2 = make_group(rng, sd, mean, 0.0)
            p.groups[(sd.code, 2)] = g2
            for kind, idx, v in g2:
                inj.record("marks", self.mkey(p, sd.code, 2, kind, idx), "value", code,
                           f"semester II mark {v}; pupil left on the transfer-out date")
        else:
            raise ValueError(code)
        self.touched.add((p.code, sd.code))
        p.cache.pop((sd.code, period), None)
        evaluate(p)
        return True

    # -- family 'average' -----------------------------------------------------------------
    def avg_codes(self, r: Row) -> list[str]:
        p, sd, period = r
        if (p.code, sd.code) in self.touched:
            return []
        if not sd.scored:
            return ["COMMENT_SUBJECT_LEVEL_WRONG"]
        if period == "CN":
            return ["AVG_CN_ARITHMETIC"]
        out = ["AVG_HK_ARITHMETIC"]
        tx, gk, ck = group_parts(p.groups[(sd.code, int(period[2]))])
        if tt22.tx_first_average(tx, gk, ck) != p.res["vals"][(sd.code, period)]:
            out.append("AVG_TX_FIRST_METHOD")
        return out

    def apply_avg(self, r: Row, code: str) -> bool:
        p, sd, period = r
        rng, inj = self.inj.rng, self.inj
        cur = p.res["vals"][(sd.code, period)]
        key = self.rkey(p, sd.code, period)
        if code in ("AVG_HK_ARITHMETIC", "AVG_CN_ARITHMETIC"):
            avoid = {cur}
            if period != "CN":  # must not look like the TX-first method
                avoid.add(tt22.tx_first_average(*group_parts(p.groups[(sd.code, int(period[2]))])))
            cands = [cur + s * d for d in _DELTAS for s in (1, -1)]
            new = rng.choice([c for c in cands if Decimal(0) <= c <= 10 and c not in avoid])
            p.overrides[(sd.code, period)] = new
            inj.record("subject_results", key, "average", code,
                       f"recorded {new}, formula gives {cur}")
        elif code == "AVG_TX_FIRST_METHOD":
            tx, gk, ck = group_parts(p.groups[(sd.code, int(period[2]))])
            new = tt22.tx_first_average(tx, gk, ck)
            p.overrides[(sd.code, period)] = new
            inj.record("subject_results", key, "average", code,
                       f"recorded {new} (TX averaged first), TT22 gives {cur}")
            inj.record("subject_results", key, "average", "AVG_HK_ARITHMETIC",
                       "implied by AVG_TX_FIRST_METHOD", count=False)
        elif code == "COMMENT_SUBJECT_LEVEL_WRONG":
            new = "CĐ" if cur == "Đ" else "Đ"
            p.overrides[(sd.code, period)] = new
            inj.record("subject_results", key, "level", code,
                       f"recorded {new}, assessments give {cur}")
        else:
            raise ValueError(code)
        self.touched.add((p.code, sd.code))
        evaluate(p)
        return True

    # -- family 'result' ------------------------------------------------------------------
    def result_codes(self, p: SecPupil) -> list[str]:
        if p.departed or p.overrides.get("result_defect"):
            return []
        out = ["ACADEMIC_LEVEL_WRONG", "CONDUCT_YEAR_WRONG", "AWARD_WRONG"]
        if p.absences <= tt22.MAX_ABSENCES:
            out.append("PROMOTION_INCONSISTENT")
            if not p.final and p.res["decision"] == tt22.PROMOTED:
                out.append("PROMOTION_DESPITE_ABSENCES")
        return out

    def apply_result(self, p: SecPupil, code: str) -> bool:
        rng, inj, res = self.inj.rng, self.inj, p.res
        key = f"{self.sy}|{p.code}"
        if code == "ACADEMIC_LEVEL_WRONG":
            period = rng.choice(p.periods)
            cur = res["academic"][period]
            new = {"T": "K", "Đ": "K", "CĐ": "Đ"}.get(cur) or rng.choice(("T", "Đ"))
            p.overrides[("academic", period)] = new
            field = {"HK1": "academic_hk1", "HK2": "academic_hk2", "CN": "academic_year"}[period]
            inj.record("year_results", key, field, code,
                       f"recorded {new}, subject results give {cur}")
        elif code == "CONDUCT_YEAR_WRONG":
            cur = res["conduct"][2]
            new = "Đ" if cur == "CĐ" else rng.choice([x for x in ("T", "K", "Đ") if x != cur])
            p.overrides["conduct_year"] = new
            h1, h2 = res["conduct"][:2]
            inj.record("year_results", key, "conduct_year", code,
                       f"recorded {new} for HK1 {h1} / HK2 {h2} (gives {cur})")
        elif code == "PROMOTION_DESPITE_ABSENCES":
            p.absences = rng.randint(46, 70)
            p.overrides["decision"] = tt22.PROMOTED
            inj.record("year_results", key, "decision", code,
                       f"{p.absences} sessions absent, {tt22.PROMOTED}")
        elif code == "PROMOTION_INCONSISTENT":
            cur = res["decision"]
            new = {
                tt22.PROMOTED: tt22.RETAINED, tt22.PROMOTED_AFTER: tt22.RETAINED,
                tt22.RETAINED: tt22.PROMOTED, tt22.COMPLETED: tt22.NOT_COMPLETED,
                tt22.NOT_COMPLETED: tt22.COMPLETED,
            }[cur]
            p.overrides["decision"] = new
            inj.record("year_results", key, "decision", code, f"recorded {new}, results give {cur}")
        elif code == "AWARD_WRONG":
            cur = res["award"]
            new = tt22.AWARD_EXCELLENT if cur == tt22.AWARD_GOOD else tt22.AWARD_GOOD
            p.overrides["award"] = new
            inj.record("year_results", key, "award", code,
                       f"recorded {new}, rules give {cur or 'none'}")
        else:
            raise ValueError(code)
        p.overrides["result_defect"] = code
        evaluate(p)
        return True

    # -- family 'encoding' (marks) ----------------------------------------------------------
    def comma_codes(self, r: Group) -> list[str]:
        p, sd, sem = r
        if (p.code, sd.code) in self.touched or (sd.code, sem) not in p.groups:
            return []
        g = p.groups[(sd.code, sem)]
        return ["MARK_DECIMAL_COMMA"] if any(_fractional(e[2]) for e in g) else []

    def apply_comma(self, r: Group, code: str) -> bool:
        p, sd, sem = r
        e = self.inj.rng.choice([e for e in p.groups[(sd.code, sem)] if _fractional(e[2])])
        text = str(e[2]).replace(".", ",")
        self.inj.record("marks", self.mkey(p, sd.code, sem, e[0], e[1]), "value", code,
                        f"written {text}")
        e[2] = Raw(text)
        return True

    def run(self) -> None:
        inj, lvl = self.inj, self.inj.level
        groups = [(p, sd, sem) for p in self.pupils for sd in p.subjects if sd.scored
                  for sem in p.semesters]
        inj.run_family(family_codes("mark", lvl), groups, self.mark_codes, self.apply_mark)
        rows = [(p, sd, per) for p in self.pupils for sd in p.subjects for per in p.periods]
        inj.run_family(family_codes("average", lvl), rows, self.avg_codes, self.apply_avg)
        inj.run_family(family_codes("result", lvl), self.pupils, self.result_codes,
                       self.apply_result)
        inj.run_family(["MARK_DECIMAL_COMMA"], groups, self.comma_codes, self.apply_comma)


def _fractional(v: object) -> bool:
    return isinstance(v, Decimal) and v != v.to_integral_value() and v in _TENTHS


_TENTHS = frozenset(DEC)
