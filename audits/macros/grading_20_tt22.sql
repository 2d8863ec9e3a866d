-- Grading macros (2/3): the TT 22/2021 score model (THCS, THPT) and the provisional GDTX pack
-- that reuses it. Every macro takes p_pack ('TT22' or 'GDTX') and sees only the pupil-years of
-- that pack whose grade and school year are under the circular (grading_scope). The rules of
-- audits/rules/grading_tt22.yaml and grading_gdtx.yaml select from these macros; the formulas
-- and settings are documented in docs/grading.md.

-- Subject-count threshold of Điều 9 and Điều 15 ("at least 6 subjects"): 6 in TT 22; GDTX reads
-- the setting gdtx_min_score_subjects (domain.md §8.2).
CREATE OR REPLACE MACRO tt22_min_subjects(p_pack) AS
    CASE WHEN p_pack = 'GDTX' THEN getvariable('gdtx_min_score_subjects') ELSE 6 END;

-- One row per (pupil, subject, semester) that has at least one row in the grade book (marks):
-- the indexes of the TX/GK/CK entries present (a number for score subjects, Đ/CĐ for comment
-- subjects; a blank entry is missing), the exact sums in hundredths, the first GK and CK, the
-- Đ/CĐ tokens, whether any entry is 'Miễn', the subject's mode and the required TX count.
CREATE OR REPLACE MACRO tt22_mark_groups(p_pack) AS TABLE
    WITH m AS (
        SELECT mk.school_id, mk.school_year, mk.pupil_code, mk.subject_code, mk.semester,
               any_value(sc.grade) AS grade, any_value(sc.pack) AS pack,
               coalesce(any_value(sc.left_in_semester) <= mk.semester, false) AS left_during,
               list(idx ORDER BY idx) FILTER (WHERE kind = 'TX' AND value IS NOT NULL) AS tx_val_idx,
               list(idx ORDER BY idx) FILTER (WHERE kind = 'GK' AND value IS NOT NULL) AS gk_val_idx,
               list(idx ORDER BY idx) FILTER (WHERE kind = 'CK' AND value IS NOT NULL) AS ck_val_idx,
               list(idx ORDER BY idx) FILTER (WHERE kind = 'TX' AND token IN ('Đ', 'CĐ')) AS tx_tok_idx,
               list(idx ORDER BY idx) FILTER (WHERE kind = 'GK' AND token IN ('Đ', 'CĐ')) AS gk_tok_idx,
               list(idx ORDER BY idx) FILTER (WHERE kind = 'CK' AND token IN ('Đ', 'CĐ')) AS ck_tok_idx,
               sum(grading_h(value)) FILTER (WHERE kind = 'TX') AS tx_h,
               arg_min(grading_h(value), idx) FILTER (WHERE kind = 'GK' AND value IS NOT NULL) AS gk_h,
               arg_min(grading_h(value), idx) FILTER (WHERE kind = 'CK' AND value IS NOT NULL) AS ck_h,
               string_agg(grading_fmt2(value), '; ' ORDER BY idx) FILTER (WHERE kind = 'TX') AS tx_text,
               arg_min(grading_fmt2(value), idx) FILTER (WHERE kind = 'GK' AND value IS NOT NULL) AS gk_text,
               arg_min(grading_fmt2(value), idx) FILTER (WHERE kind = 'CK' AND value IS NOT NULL) AS ck_text,
               list(token ORDER BY kind DESC, idx) FILTER (WHERE token IN ('Đ', 'CĐ')) AS tokens,
               count(*) FILTER (WHERE token = 'Miễn') AS n_exempt,
               count(value) AS n_values,
               count(*) FILTER (WHERE token IN ('Đ', 'CĐ')) AS n_tokens,
               coalesce(bool_and(value >= 0 AND value <= 10 AND value = round(value, 1))
                        FILTER (WHERE value IS NOT NULL), true) AS values_valid,
               arg_min(class_name, coalesce(src_row, 0)) AS class_name,
               arg_min(src_file, coalesce(src_row, 0)) AS src_file,
               arg_min(src_sheet, coalesce(src_row, 0)) AS src_sheet,
               min(src_row) AS src_row
        FROM marks mk
        JOIN grading_scope(p_pack) sc USING (school_id, school_year, pupil_code)
        WHERE mk.subject_code IS NOT NULL AND mk.semester IN (1, 2)
        GROUP BY mk.school_id, mk.school_year, mk.pupil_code, mk.subject_code, mk.semester
    ), j AS (
        SELECT m.*,
               coalesce(si.mode,
                        CASE WHEN m.n_values > 0 AND m.n_tokens = 0 THEN 'điểm'
                             WHEN m.n_tokens > 0 AND m.n_values = 0 THEN 'nhận xét' END) AS mode,
               si.periods, coalesce(n.subject_name, m.subject_code) AS subject_vi
        FROM m
        LEFT JOIN grading_subject_info() si
            ON si.school_id = m.school_id AND si.grade = m.grade AND si.subject_code = m.subject_code
        LEFT JOIN grading_subject_names() n ON n.subject_code = m.subject_code
    )
    SELECT j.* EXCLUDE (tx_val_idx, gk_val_idx, ck_val_idx, tx_tok_idx, gk_tok_idx, ck_tok_idx),
           coalesce(CASE WHEN mode = 'nhận xét' THEN tx_tok_idx ELSE tx_val_idx END, []) AS tx_idx,
           coalesce(CASE WHEN mode = 'nhận xét' THEN gk_tok_idx ELSE gk_val_idx END, []) AS gk_idx,
           coalesce(CASE WHEN mode = 'nhận xét' THEN ck_tok_idx ELSE ck_val_idx END, []) AS ck_idx,
           coalesce(len(CASE WHEN mode = 'nhận xét' THEN tx_tok_idx ELSE tx_val_idx END), 0) AS n_tx,
           grading_required_tx(mode, periods, subject_code, grade) AS required_tx,
           concat_ws('|', school_year, pupil_code, subject_code, semester) AS group_key,
           CASE mode WHEN 'điểm' THEN 'đánh giá bằng điểm số' WHEN 'nhận xét' THEN 'đánh giá bằng nhận xét' END AS mode_vi
    FROM j;

-- The grade-book entries that should exist but do not: TX below the required count (the
-- smallest absent indexes), and a GK or CK that is absent. Exempt groups (Miễn) are skipped,
-- and so are the semesters in (or after) which the pupil left the school.
CREATE OR REPLACE MACRO tt22_missing_marks(p_pack) AS TABLE
    WITH g AS (
        SELECT * FROM tt22_mark_groups(p_pack)
        WHERE n_exempt = 0 AND mode IS NOT NULL AND NOT left_during
    ), tx AS (
        SELECT g.*, 'TX' AS kind,
               unnest(list_slice(list_filter(range(1, required_tx + 1), lambda i: NOT list_contains(g.tx_idx, i)),
                                 1, required_tx - n_tx)) AS idx
        FROM g WHERE required_tx IS NOT NULL AND n_tx < required_tx
    ), pk AS (
        SELECT g.*, 'GK' AS kind, 1 AS idx FROM g WHERE len(gk_idx) = 0
        UNION ALL
        SELECT g.*, 'CK' AS kind, 1 AS idx FROM g WHERE len(ck_idx) = 0
    )
    SELECT *, concat_ws('|', school_year, pupil_code, subject_code, semester, kind, idx) AS entity_key
    FROM (SELECT * FROM tx UNION ALL BY NAME SELECT * FROM pk);

-- GK or CK entries beyond the first one (TT 22: exactly one of each per semester).
CREATE OR REPLACE MACRO tt22_duplicate_marks(p_pack) AS TABLE
    WITH g AS (SELECT * FROM tt22_mark_groups(p_pack) WHERE n_exempt = 0 AND mode IS NOT NULL),
    d AS (
        SELECT g.*, 'GK' AS kind, unnest(gk_idx[2:]) AS idx, len(gk_idx) AS n_kind FROM g WHERE len(gk_idx) > 1
        UNION ALL
        SELECT g.*, 'CK' AS kind, unnest(ck_idx[2:]) AS idx, len(ck_idx) AS n_kind FROM g WHERE len(ck_idx) > 1
    )
    SELECT d.*, concat_ws('|', d.school_year, d.pupil_code, d.subject_code, d.semester, d.kind, d.idx)
               AS entity_key,
           m.value AS mark_value, m.value_raw AS mark_raw, grading_fmt2(m.value) AS mark_text,
           m.src_file AS mark_src_file, m.src_sheet AS mark_src_sheet, m.src_row AS mark_src_row
    FROM d
    LEFT JOIN marks m
        ON m.school_id = d.school_id AND m.school_year = d.school_year AND m.pupil_code = d.pupil_code
       AND m.subject_code = d.subject_code AND m.semester = d.semester AND m.kind = d.kind
       AND m.idx = d.idx
    QUALIFY row_number() OVER (PARTITION BY d.school_id, d.school_year, d.pupil_code, d.subject_code,
                                            d.semester, d.kind, d.idx ORDER BY m.src_row) = 1;

-- ĐTBmhk recomputed (Điều 9 khoản 1): (ΣTX + 2·GK + 3·CK) / (nTX + 5), half-up to one decimal,
-- for every recorded semester average of a score subject whose grade book has at least one TX,
-- a GK and a CK (the first GK/CK when there are several). `tx_first` is what the non-TT22
-- "TX averaged first" method gives: (mean TX + 2·GK + 3·CK) / 6.
CREATE OR REPLACE MACRO tt22_semester_averages(p_pack) AS TABLE
    SELECT g.school_id, g.school_year, g.pupil_code, g.subject_code, g.subject_vi, g.semester, g.grade,
           g.tx_text, g.gk_text, g.ck_text, g.n_tx, g.values_valid,
           r.period, r.average, coalesce(r.average_raw, grading_fmt2(r.average)) AS average_text,
           grading_fmt_avg(r.average) AS recorded_text,
           grading_round1(g.tx_h + 2 * g.gk_h + 3 * g.ck_h, g.n_tx + 5) AS expected,
           grading_round1(g.tx_h + g.n_tx * (2 * g.gk_h + 3 * g.ck_h), 6 * g.n_tx) AS tx_first,
           g.tx_h + 2 * g.gk_h + 3 * g.ck_h AS num100, g.n_tx + 5 AS den,
           grading_fmt2(CAST(g.tx_h AS DECIMAL(18, 0)) * CAST(0.01 AS DECIMAL(3, 2))) AS tx_sum_text,
           concat_ws('|', r.school_year, r.pupil_code, r.subject_code, r.period) AS entity_key,
           r.src_file, r.src_sheet, r.src_row
    FROM tt22_mark_groups(p_pack) g
    JOIN subject_results r
        ON r.school_id = g.school_id AND r.school_year = g.school_year
       AND r.pupil_code = g.pupil_code AND r.subject_code = g.subject_code
       AND r.period = 'HK' || g.semester
    WHERE g.mode = 'điểm' AND g.n_exempt = 0 AND coalesce(r.level, '') <> 'Miễn'
      AND g.n_tx >= 1 AND g.gk_h IS NOT NULL AND g.ck_h IS NOT NULL AND r.average IS NOT NULL;

-- Per (pupil, subject): the recorded HK1, HK2 and CN values side by side, with the mode.
CREATE OR REPLACE MACRO tt22_subject_years(p_pack) AS TABLE
    WITH r AS (
        SELECT sr.*, sc.grade
        FROM subject_results sr JOIN grading_scope(p_pack) sc USING (school_id, school_year, pupil_code)
        WHERE sr.period IN ('HK1', 'HK2', 'CN') AND sr.subject_code IS NOT NULL
    ), p AS (
        SELECT school_id, school_year, pupil_code, subject_code, any_value(grade) AS grade,
               any_value(average) FILTER (WHERE period = 'HK1') AS hk1,
               any_value(average) FILTER (WHERE period = 'HK2') AS hk2,
               any_value(average) FILTER (WHERE period = 'CN') AS cn,
               any_value(coalesce(average_raw, grading_fmt2(average))) FILTER (WHERE period = 'CN') AS cn_text,
               any_value(level) FILTER (WHERE period = 'HK1') AS hk1_level,
               any_value(level) FILTER (WHERE period = 'HK2') AS hk2_level,
               any_value(level) FILTER (WHERE period = 'CN') AS cn_level,
               count(*) FILTER (WHERE period = 'CN') AS n_cn,
               any_value(src_file) FILTER (WHERE period = 'CN') AS src_file,
               any_value(src_sheet) FILTER (WHERE period = 'CN') AS src_sheet,
               any_value(src_row) FILTER (WHERE period = 'CN') AS src_row
        FROM r GROUP BY school_id, school_year, pupil_code, subject_code
    )
    SELECT p.*, coalesce(n.subject_name, p.subject_code) AS subject_vi,
           grading_fmt_avg(p.cn) AS cn_recorded_text,
           coalesce(si.mode, CASE WHEN coalesce(p.cn, p.hk1, p.hk2) IS NOT NULL THEN 'điểm'
                                  WHEN coalesce(p.cn_level, p.hk1_level, p.hk2_level) IN ('Đ', 'CĐ')
                                      THEN 'nhận xét' END) AS mode,
           concat_ws('|', p.school_year, p.pupil_code, p.subject_code, 'CN') AS entity_key
    FROM p
    LEFT JOIN grading_subject_info() si
        ON si.school_id = p.school_id AND si.grade = p.grade AND si.subject_code = p.subject_code
    LEFT JOIN grading_subject_names() n ON n.subject_code = p.subject_code;

-- ĐTBmcn recomputed: (HK1 + 2·HK2) / 3 half-up to one decimal, from the recorded (rounded)
-- semester averages (setting tt22_dtbmcn_from_rounded, default true) or from the unrounded
-- semester averages recomputed from the grade book (false; falls back to the recorded value
-- where the grade book is incomplete). A subject with a result in one semester only gets the
-- treatment of tt22_single_semester_subject: 'semester_average' (ĐTBmcn = that semester's
-- average) or 'not_checked'.
CREATE OR REPLACE MACRO tt22_year_averages(p_pack) AS TABLE
    WITH y AS (
        SELECT * FROM tt22_subject_years(p_pack)
        WHERE mode = 'điểm' AND cn IS NOT NULL AND coalesce(cn_level, '') <> 'Miễn'
          AND (hk1 IS NOT NULL OR hk2 IS NOT NULL)
    ), s AS (
        SELECT school_id, school_year, pupil_code, subject_code,
               any_value(num100) FILTER (WHERE semester = 1) AS n1,
               any_value(den) FILTER (WHERE semester = 1) AS d1,
               any_value(num100) FILTER (WHERE semester = 2) AS n2,
               any_value(den) FILTER (WHERE semester = 2) AS d2
        FROM tt22_semester_averages(p_pack) GROUP BY ALL
    ), e AS (
        SELECT y.*, s.n1, s.d1, s.n2, s.d2,
               (y.hk1 IS NULL) <> (y.hk2 IS NULL) AS single_semester
        FROM y LEFT JOIN s USING (school_id, school_year, pupil_code, subject_code)
    )
    SELECT e.*,
           CASE
               WHEN single_semester THEN grading_round1(grading_h(coalesce(hk1, hk2)), 1)
               WHEN getvariable('tt22_dtbmcn_from_rounded') IS DISTINCT FROM false
                    OR n1 IS NULL OR n2 IS NULL
                   THEN grading_round1(grading_h(hk1) + 2 * grading_h(hk2), 3)
               ELSE grading_round1(n1 * d2 + 2 * n2 * d1, 3 * d1 * d2)
           END AS expected,
           coalesce(grading_fmt_avg(hk1), '(trống)') AS hk1_text,
           coalesce(grading_fmt_avg(hk2), '(trống)') AS hk2_text
    FROM e
    WHERE NOT single_semester OR getvariable('tt22_single_semester_subject') = 'semester_average';

-- Comment-only subjects, per semester (Điều 9 khoản 1 điểm a): Đạt iff the semester has the
-- required assessments (tt22_comment_tx_count regular ones, a mid-term and an end-of-term one)
-- and every one of them is Đạt; otherwise Chưa đạt. Groups with a 'Miễn' entry are skipped.
CREATE OR REPLACE MACRO tt22_comment_semesters(p_pack) AS TABLE
    SELECT g.school_id, g.school_year, g.pupil_code, g.subject_code, g.subject_vi, g.semester, g.grade,
           g.n_tx, g.required_tx, len(g.gk_idx) AS n_gk, len(g.ck_idx) AS n_ck,
           coalesce(array_to_string(g.tokens, ', '), '(không có)') AS tokens_text,
           CASE WHEN g.n_tx >= g.required_tx AND len(g.gk_idx) >= 1 AND len(g.ck_idx) >= 1
                     AND len(list_filter(coalesce(g.tokens, []), lambda t: t <> 'Đ')) = 0
                THEN 'Đ' ELSE 'CĐ' END AS expected,
           r.level, r.period,
           concat_ws('|', r.school_year, r.pupil_code, r.subject_code, r.period) AS entity_key,
           r.src_file, r.src_sheet, r.src_row
    FROM tt22_mark_groups(p_pack) g
    JOIN subject_results r
        ON r.school_id = g.school_id AND r.school_year = g.school_year
       AND r.pupil_code = g.pupil_code AND r.subject_code = g.subject_code
       AND r.period = 'HK' || g.semester
    WHERE g.mode = 'nhận xét' AND g.n_exempt = 0 AND r.level IN ('Đ', 'CĐ')
      AND g.required_tx IS NOT NULL;

-- Comment-only subjects, year: equals the semester II result. If semester II is 'Miễn', the
-- year takes semester I's result when tt22_mien_year_from_hk1 (default true), else 'Miễn'.
CREATE OR REPLACE MACRO tt22_comment_years(p_pack) AS TABLE
    SELECT y.*,
           CASE WHEN hk2_level IN ('Đ', 'CĐ') THEN hk2_level
                WHEN hk2_level = 'Miễn' AND getvariable('tt22_mien_year_from_hk1') IS DISTINCT FROM false
                     AND hk1_level IN ('Đ', 'CĐ') THEN hk1_level
                WHEN hk2_level = 'Miễn' THEN 'Miễn'
           END AS expected
    FROM tt22_subject_years(p_pack) y
    WHERE mode = 'nhận xét' AND cn_level IS NOT NULL AND hk2_level IS NOT NULL;

-- Inputs of kết quả học tập per pupil and period (HK1, HK2, CN): the score subjects' averages
-- and the comment subjects' levels (Miễn excluded, domain.md §1.11), the subjects whose value is
-- missing, and for CN the same lists with re-test values in place of the year values.
CREATE OR REPLACE MACRO tt22_academic_inputs(p_pack) AS TABLE
    WITH r AS (
        SELECT sr.school_id, sr.school_year, sr.pupil_code, sr.period, sr.subject_code,
               sr.average, sr.level, sr.retest, sr.retest_level,
               coalesce(si.mode, CASE WHEN sr.average IS NOT NULL THEN 'điểm'
                                      WHEN sr.level IN ('Đ', 'CĐ') THEN 'nhận xét' END) AS mode
        FROM subject_results sr
        JOIN grading_scope(p_pack) sc USING (school_id, school_year, pupil_code)
        LEFT JOIN grading_subject_info() si
            ON si.school_id = sr.school_id AND si.grade = sc.grade AND si.subject_code = sr.subject_code
        WHERE sr.period IN ('HK1', 'HK2', 'CN') AND sr.subject_code IS NOT NULL
          AND coalesce(sr.level, '') <> 'Miễn'
    )
    SELECT school_id, school_year, pupil_code, period,
           coalesce(list(CAST(average AS DECIMAL(5, 2)) ORDER BY subject_code)
                        FILTER (WHERE mode = 'điểm' AND average IS NOT NULL), []) AS scores,
           coalesce(list(level ORDER BY subject_code)
                        FILTER (WHERE mode = 'nhận xét' AND level IN ('Đ', 'CĐ')), []) AS comments,
           coalesce(list(CAST(coalesce(retest, average) AS DECIMAL(5, 2)) ORDER BY subject_code)
                        FILTER (WHERE mode = 'điểm' AND average IS NOT NULL), []) AS scores_retest,
           coalesce(list(coalesce(CASE WHEN retest_level IN ('Đ', 'CĐ') THEN retest_level END, level)
                         ORDER BY subject_code)
                        FILTER (WHERE mode = 'nhận xét' AND level IN ('Đ', 'CĐ')), []) AS comments_retest,
           coalesce(list(subject_code ORDER BY subject_code)
                        FILTER (WHERE (mode = 'điểm' AND average IS NULL)
                                   OR (mode = 'nhận xét' AND level IS NULL)
                                   OR (mode = 'nhận xét' AND level NOT IN ('Đ', 'CĐ'))
                                   OR mode IS NULL), []) AS missing,
           count(*) FILTER (WHERE mode = 'điểm' AND average IS NOT NULL) AS n_scores,
           count(*) FILTER (WHERE retest IS NOT NULL OR retest_level IS NOT NULL) AS n_retests
    FROM r GROUP BY school_id, school_year, pupil_code, period;

-- kết quả học tập per semester and year: recorded level, inputs and the recomputed level
-- (status 'checked'), or why it cannot be recomputed (status 'incomplete': fewer score subjects
-- with an average than the threshold, a subject without its value, or no subject results).
CREATE OR REPLACE MACRO tt22_academic_levels(p_pack) AS TABLE
    WITH r AS (
        SELECT y.* FROM year_results y
        JOIN grading_scope(p_pack) sc USING (school_id, school_year, pupil_code)
    ), y AS (
        SELECT school_id, school_year, pupil_code, 'HK1' AS period, 'academic_hk1' AS field,
               academic_hk1 AS recorded, src_file, src_sheet, src_row
        FROM r WHERE academic_hk1 IS NOT NULL
        UNION ALL
        SELECT school_id, school_year, pupil_code, 'HK2', 'academic_hk2', academic_hk2,
               src_file, src_sheet, src_row
        FROM r WHERE academic_hk2 IS NOT NULL
        UNION ALL
        SELECT school_id, school_year, pupil_code, 'CN', 'academic_year', academic_year,
               src_file, src_sheet, src_row
        FROM r WHERE academic_year IS NOT NULL
    )
    SELECT y.*, i.scores, i.comments, i.missing, coalesce(i.n_scores, 0) AS n_scores,
           tt22_min_subjects(p_pack) AS k,
           CASE WHEN i.pupil_code IS NULL OR i.n_scores < tt22_min_subjects(p_pack)
                     OR len(i.missing) > 0 THEN 'incomplete' ELSE 'checked' END AS status,
           grading_academic_level(i.scores, i.comments, tt22_min_subjects(p_pack)) AS expected,
           grading_code(grading_base_rank(i.scores, i.comments, tt22_min_subjects(p_pack))) AS base_level,
           CASE y.period WHEN 'HK1' THEN 'học kì I' WHEN 'HK2' THEN 'học kì II' ELSE 'cả năm' END AS period_vi,
           concat_ws('|', y.school_year, y.pupil_code) AS entity_key
    FROM y
    LEFT JOIN tt22_academic_inputs(p_pack) i USING (school_id, school_year, pupil_code, period);

-- Year-end records of the pupils of a pack, with the grade (final grade: 9 or 12).
CREATE OR REPLACE MACRO tt22_year_records(p_pack) AS TABLE
    SELECT y.*, sc.grade, sc.final_grade,
           concat_ws('|', y.school_year, y.pupil_code) AS entity_key
    FROM year_results y JOIN grading_scope(p_pack) sc USING (school_id, school_year, pupil_code);

-- The year-end decision (Điều 12-14; domain.md §1.8) expected from the recorded year conduct,
-- academic result, absences (limit tt22_max_absences), summer conduct and re-test result:
-- `expected` assumes the absences are within the limit when they are not recorded, and
-- `expected_if_absent` is the decision if they were over it (accepted when absences are blank).
CREATE OR REPLACE MACRO tt22_decisions(p_pack) AS TABLE
    WITH y AS (
        SELECT r.*,
               CASE WHEN conduct_year = 'CĐ' THEN summer_conduct ELSE conduct_year END AS eff_conduct,
               CASE WHEN academic_year = 'CĐ' THEN retest_academic ELSE academic_year END AS eff_academic,
               CASE WHEN final_grade
                    THEN ['Hoàn thành chương trình', 'Chưa hoàn thành chương trình']
                    ELSE ['Lên lớp', 'Lên lớp sau kiểm tra lại/rèn luyện hè', 'Ở lại lớp'] END AS allowed
        FROM tt22_year_records(p_pack) r
        WHERE conduct_year IN ('T', 'K', 'Đ', 'CĐ') AND academic_year IN ('T', 'K', 'Đ', 'CĐ')
    ), e AS (
        SELECT y.*,
               coalesce(eff_conduct IN ('T', 'K', 'Đ') AND eff_academic IN ('T', 'K', 'Đ'), false)
                   AS results_ok,
               conduct_year <> 'CĐ' AND academic_year <> 'CĐ' AS direct,
               absences > getvariable('tt22_max_absences') AS over_absences
        FROM y
    )
    SELECT e.*,
           CASE WHEN coalesce(over_absences, false) OR NOT results_ok
                THEN CASE WHEN final_grade THEN 'Chưa hoàn thành chương trình' ELSE 'Ở lại lớp' END
                WHEN final_grade THEN 'Hoàn thành chương trình'
                WHEN direct THEN 'Lên lớp'
                ELSE 'Lên lớp sau kiểm tra lại/rèn luyện hè' END AS expected,
           CASE WHEN final_grade THEN 'Chưa hoàn thành chương trình' ELSE 'Ở lại lớp' END AS expected_if_absent,
           decision IN ('Lên lớp', 'Lên lớp sau kiểm tra lại/rèn luyện hè', 'Hoàn thành chương trình') AS promoted,
           getvariable('tt22_max_absences') AS max_absences,
           coalesce(CAST(absences AS VARCHAR), '(trống)') AS absences_text,
           grading_level_name(conduct_year) AS conduct_vi, grading_level_name(academic_year) AS academic_vi,
           concat('kết quả rèn luyện ', grading_level_name(conduct_year),
                  ', kết quả học tập ', grading_level_name(academic_year),
                  coalesce(', ' || absences || ' buổi nghỉ', ', chưa ghi số buổi nghỉ'),
                  CASE WHEN conduct_year = 'CĐ'
                       THEN ', rèn luyện trong hè ' || coalesce(grading_level_name(summer_conduct), 'chưa có kết quả') END,
                  CASE WHEN academic_year = 'CĐ'
                       THEN ', kết quả học tập sau kiểm tra lại ' || coalesce(grading_level_name(retest_academic), 'chưa có') END
           ) AS basis_vi
    FROM e;

-- Awards (Điều 15): Học sinh Xuất sắc = year conduct Tốt, year academic Tốt and at least 6 score
-- subjects with ĐTBmcn ≥ 9.0; Học sinh Giỏi = conduct Tốt and academic Tốt otherwise; else none.
CREATE OR REPLACE MACRO tt22_awards(p_pack) AS TABLE
    SELECT y.*, coalesce(i.n_nines, 0) AS n_nines, tt22_min_subjects(p_pack) AS k,
           CASE WHEN y.conduct_year = 'T' AND y.academic_year = 'T'
                THEN CASE WHEN coalesce(i.n_nines, 0) >= tt22_min_subjects(p_pack)
                          THEN 'Học sinh Xuất sắc' ELSE 'Học sinh Giỏi' END
           END AS expected,
           grading_level_name(y.conduct_year) AS conduct_vi,
           grading_level_name(y.academic_year) AS academic_vi
    FROM tt22_year_records(p_pack) y
    LEFT JOIN (
        SELECT school_id, school_year, pupil_code,
               len(list_filter(scores, lambda x: x >= 9.0)) AS n_nines
        FROM tt22_academic_inputs(p_pack) WHERE period = 'CN'
    ) i USING (school_id, school_year, pupil_code)
    WHERE y.conduct_year IN ('T', 'K', 'Đ', 'CĐ') AND y.academic_year IN ('T', 'K', 'Đ', 'CĐ');

-- Pupil-years of a pack whose grade and year predate the circular (not audited), per school,
-- school year and grade; circular_label names the rules in force then.
CREATE OR REPLACE MACRO grading_not_audited(p_pack) AS TABLE
    SELECT school_id, school_year, grade, count(*) AS pupils,
           concat_ws('|', school_year, coalesce(CAST(grade AS VARCHAR), '?')) AS entity_key,
           coalesce(CAST(grade AS VARCHAR), '(không rõ)') AS grade_text
    FROM grading_pupil_years()
    WHERE pack = p_pack AND NOT current AND graded
    GROUP BY school_id, school_year, grade;
