-- Grading macros (1/3): shared helpers of the rule packs grading_tt22.yaml, grading_gdtx.yaml
-- and grading_tt27.yaml. Documented in docs/grading.md. Settings are read with getvariable()
-- (audits/settings/grading.yaml); reference tables ref_* come from audits/reference.
--
-- Arithmetic is exact: a mark or an average is DECIMAL(5,2), so it is turned into an integer
-- number of hundredths, and every average is a fraction num100 / (100 * den) of integers that
-- is rounded half-up to one decimal with integer division. Nothing goes through DOUBLE (in
-- DuckDB, DECIMAL / DECIMAL is a DOUBLE, and round(8.25::DOUBLE, 1) is not safe).

-- An exact integer number of hundredths of a mark (8.25 -> 825).
CREATE OR REPLACE MACRO grading_h(x) AS CAST(CAST(x AS DECIMAL(18, 2)) * 100 AS BIGINT);

-- num100 / (100 * den) rounded half-up to one decimal, as DECIMAL(18,1); den > 0.
-- (Negative numerators, which only invalid marks produce, round half away from zero.)
CREATE OR REPLACE MACRO grading_round1(num100, den) AS
    CAST(CASE WHEN num100 >= 0 THEN (num100 + 5 * den) // (10 * den)
              ELSE -((-num100 + 5 * den) // (10 * den)) END AS DECIMAL(18, 0))
    * CAST(0.1 AS DECIMAL(2, 1));

-- A decimal as the school writes it: 7,7 (one decimal kept, Vietnamese decimal comma).
CREATE OR REPLACE MACRO grading_fmt(x) AS
    replace(CAST(CAST(x AS DECIMAL(18, 1)) AS VARCHAR), '.', ',');

-- A recorded mark or average as written: up to two decimals, trailing zeros dropped (7,25; 8; 7,5).
CREATE OR REPLACE MACRO grading_fmt2(x) AS
    CASE WHEN x IS NULL THEN NULL
         ELSE replace(rtrim(rtrim(CAST(CAST(x AS DECIMAL(18, 2)) AS VARCHAR), '0'), '.'), '.', ',')
    END;

-- An average as written: one decimal (9,0), or two when it has two (7,69).
CREATE OR REPLACE MACRO grading_fmt_avg(x) AS
    CASE WHEN x = round(x, 1) THEN grading_fmt(x) ELSE grading_fmt2(x) END;

-- Level codes of TT 22 (kết quả học tập, kết quả rèn luyện) as ranks and back.
CREATE OR REPLACE MACRO grading_rank(code) AS
    CASE code WHEN 'T' THEN 3 WHEN 'K' THEN 2 WHEN 'Đ' THEN 1 WHEN 'CĐ' THEN 0 END;
CREATE OR REPLACE MACRO grading_code(r) AS
    CASE r WHEN 3 THEN 'T' WHEN 2 THEN 'K' WHEN 1 THEN 'Đ' WHEN 0 THEN 'CĐ' END;
CREATE OR REPLACE MACRO grading_level_name(code) AS
    CASE code WHEN 'T' THEN 'Tốt' WHEN 'K' THEN 'Khá' WHEN 'Đ' THEN 'Đạt' WHEN 'CĐ' THEN 'Chưa đạt'
              ELSE code END;

-- Điều 9 khoản 2 (domain.md §1.6): the level of score averages s and comment levels c, as a
-- rank 0 (Chưa đạt) … 3 (Tốt); k is the subject-count threshold (6 in TT 22).
CREATE OR REPLACE MACRO grading_base_rank(s, c, k) AS
    CASE
        WHEN len(list_filter(c, lambda x: x <> 'Đ')) = 0
             AND coalesce(list_min(s) >= 6.5, true)
             AND len(list_filter(s, lambda x: x >= 8.0)) >= k THEN 3
        WHEN len(list_filter(c, lambda x: x <> 'Đ')) = 0
             AND coalesce(list_min(s) >= 5.0, true)
             AND len(list_filter(s, lambda x: x >= 6.5)) >= k THEN 2
        WHEN len(list_filter(c, lambda x: x <> 'Đ')) <= 1
             AND len(list_filter(s, lambda x: x >= 5.0)) >= k
             AND coalesce(list_min(s) >= 3.5, true) THEN 1
        ELSE 0
    END;

-- Best rank reachable by leaving out one single score subject / one single comment subject.
CREATE OR REPLACE MACRO grading_best_without_score(s, c, k) AS
    coalesce(list_max(list_transform(range(len(s)),
        lambda i: grading_base_rank(list_concat(s[1:i], s[i + 2:]), c, k))), -1);
CREATE OR REPLACE MACRO grading_best_without_comment(s, c, k) AS
    coalesce(list_max(list_transform(range(len(c)),
        lambda j: grading_base_rank(s, list_concat(c[1:j], c[j + 2:]), k))), -1);

-- Điều 9 khoản 3 with the reading chosen by the setting tt22_khoan3_reading (domain.md §1.6,
-- §8.3a): base level L; if leaving out one single subject would give Tốt or Khá, at least two
-- levels above L, the result is L + 1. 'one_step_any_subject' (default) lets that subject be a
-- score or a comment subject, 'one_step_score_subject' only a score subject, 'off' never adjusts.
CREATE OR REPLACE MACRO grading_rank_adjusted(s, c, k) AS
    CASE
        WHEN getvariable('tt22_khoan3_reading') = 'off' THEN grading_base_rank(s, c, k)
        WHEN grading_base_rank(s, c, k) >= 2 THEN grading_base_rank(s, c, k)
        WHEN greatest(grading_best_without_score(s, c, k),
                      CASE WHEN getvariable('tt22_khoan3_reading') = 'one_step_any_subject'
                           THEN grading_best_without_comment(s, c, k) ELSE -1 END)
             >= grading_base_rank(s, c, k) + 2
            THEN grading_base_rank(s, c, k) + 1
        ELSE grading_base_rank(s, c, k)
    END;

-- The academic level code (T/K/Đ/CĐ) with the khoản 3 adjustment.
CREATE OR REPLACE MACRO grading_academic_level(s, c, k) AS
    grading_code(grading_rank_adjusted(s, c, k));

-- Điều 8 (domain.md §1.7): year conduct from the two semesters; NULL unless both are T/K/Đ/CĐ.
CREATE OR REPLACE MACRO grading_conduct_year(h1, h2) AS
    CASE
        WHEN NOT coalesce(h1 IN ('T', 'K', 'Đ', 'CĐ') AND h2 IN ('T', 'K', 'Đ', 'CĐ'), false) THEN NULL
        WHEN h2 = 'T' THEN CASE WHEN h1 IN ('T', 'K') THEN 'T' ELSE 'K' END
        WHEN h2 = 'K' THEN CASE WHEN h1 = 'CĐ' THEN 'Đ' ELSE 'K' END
        WHEN h2 = 'Đ' THEN CASE WHEN h1 = 'T' THEN 'K' ELSE 'Đ' END
        ELSE 'CĐ'
    END;

-- Whether a school level such as 'THCS-THPT' includes the level part ('GDTX').
CREATE OR REPLACE MACRO grading_level_has(school_level, part) AS
    list_contains(string_split(upper(replace(coalesce(school_level, ''), ' ', '')), '-'), part);

-- Which assessment rule pack a pupil-year belongs to: 'TT27' (grades 1-5), 'GDTX' (grades 6-12
-- of a GDTX school), 'TT22' (grades 6-12 otherwise). Unknown grade: by a single school level.
CREATE OR REPLACE MACRO grading_pack(school_level, grade) AS
    CASE
        WHEN grade BETWEEN 1 AND 5 THEN 'TT27'
        WHEN grade BETWEEN 6 AND 12 AND grading_level_has(school_level, 'GDTX') THEN 'GDTX'
        WHEN grade BETWEEN 6 AND 12 THEN 'TT22'
        WHEN grade IS NOT NULL THEN NULL
        WHEN upper(school_level) = 'TH' THEN 'TT27'
        WHEN upper(school_level) = 'GDTX' THEN 'GDTX'
        WHEN upper(school_level) IN ('THCS', 'THPT', 'THCS-THPT') THEN 'TT22'
    END;

-- Roll-out of TT 22 and TT 27 by grade, from the settings tt22_rollout and tt27_rollout
-- ('6:2021-2022,7:2022-2023,…'): (circular, grade, first school year's start). GDTX follows TT 22.
CREATE OR REPLACE MACRO grading_rollout() AS TABLE
    SELECT circular,
           TRY_CAST(trim(split_part(item, ':', 1)) AS INTEGER) AS grade,
           TRY_CAST(left(trim(split_part(item, ':', 2)), 4) AS INTEGER) AS first_year
    FROM (
        SELECT 'TT22' AS circular, unnest(string_split(getvariable('tt22_rollout'), ',')) AS item
        UNION ALL
        SELECT 'TT27', unnest(string_split(getvariable('tt27_rollout'), ','))
    )
    WHERE TRY_CAST(trim(split_part(item, ':', 1)) AS INTEGER) IS NOT NULL
      AND TRY_CAST(left(trim(split_part(item, ':', 2)), 4) AS INTEGER) IS NOT NULL;

-- Grade of each class.
CREATE OR REPLACE MACRO grading_class_grades() AS TABLE
    SELECT school_id, school_year, class_name, max(grade) AS grade
    FROM classes WHERE class_name IS NOT NULL GROUP BY ALL;

-- One row per pupil and school year that has an enrolment or a result: the grade (from the
-- enrolment's class, else the class on a result row), the school level, the rule pack, whether
-- the pack's circular already applied to that grade in that year (`current`; a record of an
-- earlier year is under TT 58/2011 or the old primary rules and is not audited), whether the
-- grade ends its level (5, 9, 12), whether the pupil has grading records (`graded`), and the
-- semester in which the pupil left the school, if any (`left_in_semester`).
CREATE OR REPLACE MACRO grading_pupil_years() AS TABLE
    WITH k AS (
        SELECT school_id, school_year, pupil_code, class_name, 1 AS pri, false AS graded
        FROM enrolments
        UNION ALL
        SELECT school_id, school_year, pupil_code, class_name, 2, true FROM year_results
        UNION ALL
        SELECT school_id, school_year, pupil_code, class_name, 3, true FROM primary_results
        UNION ALL
        SELECT school_id, school_year, pupil_code, any_value(class_name), 4, true
        FROM subject_results GROUP BY school_id, school_year, pupil_code
    ), g AS (
        SELECT k.school_id, k.school_year, k.pupil_code,
               arg_min(c.grade, k.pri) FILTER (WHERE c.grade IS NOT NULL) AS grade,
               bool_or(k.graded) AS graded
        FROM k LEFT JOIN grading_class_grades() c
            ON c.school_id = k.school_id AND c.school_year = k.school_year
           AND c.class_name = k.class_name
        WHERE k.pupil_code IS NOT NULL AND k.school_year IS NOT NULL
        GROUP BY k.school_id, k.school_year, k.pupil_code
    ), s AS (
        SELECT school_id, max(level) AS school_level FROM schools GROUP BY school_id
    ), t AS (
        SELECT school_id, school_year, pupil_code, max(transfer_out_date) AS transfer_out_date
        FROM enrolments WHERE transfer_out_date IS NOT NULL GROUP BY ALL
    ), sy AS (
        SELECT school_id, school_year, max(hk2_start_date) AS hk2_start_date
        FROM school_years GROUP BY ALL
    ), p AS (
        SELECT g.*, s.school_level, grading_pack(s.school_level, g.grade) AS pack,
               TRY_CAST(left(g.school_year, 4) AS INTEGER) AS year_start,
               t.transfer_out_date, sy.hk2_start_date
        FROM g LEFT JOIN s USING (school_id)
        LEFT JOIN t USING (school_id, school_year, pupil_code)
        LEFT JOIN sy USING (school_id, school_year)
    )
    SELECT p.school_id, p.school_year, p.pupil_code, p.grade, p.school_level, p.pack, p.graded,
           -- the semester the pupil left in (transfer-out date; semester II when the date of
           -- semester II's start is unknown): its grade book may legitimately be incomplete
           CASE WHEN p.transfer_out_date IS NULL THEN NULL
                WHEN p.transfer_out_date < p.hk2_start_date THEN 1 ELSE 2 END AS left_in_semester,
           coalesce(p.year_start >= r.first_year,
                    p.year_start >= (SELECT max(first_year) FROM grading_rollout() x
                                     WHERE x.circular = CASE p.pack WHEN 'TT27' THEN 'TT27'
                                                                    ELSE 'TT22' END),
                    true) AS current,
           p.grade IN (5, 9, 12) AS final_grade
    FROM p LEFT JOIN grading_rollout() r
        ON r.circular = CASE p.pack WHEN 'TT27' THEN 'TT27' ELSE 'TT22' END
       AND r.grade = p.grade;

-- Pupil-years audited by a pack (its circular applies to the grade and year).
CREATE OR REPLACE MACRO grading_scope(p_pack) AS TABLE
    SELECT * FROM grading_pupil_years() WHERE pack = p_pack AND current;

-- Reference subjects per grade: assessment mode and periods per year for TT 22 schools
-- (THCS/THPT rows), GDTX (its own rows, periods falling back to THCS/THPT), and the primary
-- periodic tests as checkpoint codes (GK1, CK1, GK2, CN).
CREATE OR REPLACE MACRO grading_ref_subjects() AS TABLE
    SELECT grade, subject_code,
           max(assessment) FILTER (WHERE level IN ('THCS', 'THPT')) AS mode_tt22,
           max(periods_per_year) FILTER (WHERE level IN ('THCS', 'THPT')) AS periods_tt22,
           max(assessment) FILTER (WHERE level = 'GDTX') AS mode_gdtx,
           max(periods_per_year) FILTER (WHERE level = 'GDTX') AS periods_gdtx,
           bool_or(level = 'TH') AS taught_th,
           list_transform(
               flatten(list(periodic_tests) FILTER (WHERE level = 'TH')),
               lambda t: CASE t WHEN 'giua_hk1' THEN 'GK1' WHEN 'cuoi_hk1' THEN 'CK1'
                                WHEN 'giua_hk2' THEN 'GK2' WHEN 'cuoi_nam' THEN 'CN' END
           ) AS tests_th
    FROM ref_subjects GROUP BY grade, subject_code;

-- Vietnamese names of subjects (for messages); an unknown code keeps its code.
CREATE OR REPLACE MACRO grading_subject_names() AS TABLE
    SELECT subject_code, max(subject_name) AS subject_name FROM ref_subjects GROUP BY subject_code;

-- Mode ('điểm' or 'nhận xét') and periods per year of a subject at a school and grade: the
-- school's own `subjects` table first, then the reference (with the period settings of the
-- open questions domain.md §8.4 for Công nghệ lớp 8-9 and Lịch sử THPT).
CREATE OR REPLACE MACRO grading_subject_info() AS TABLE
    WITH own AS (
        SELECT school_id, grade, subject_code, max(assessment) AS mode,
               max(periods_per_year) AS periods
        FROM subjects WHERE subject_code IS NOT NULL GROUP BY ALL
    ), sch AS (
        SELECT school_id, max(level) AS level FROM schools GROUP BY school_id
    ), keys AS (
        SELECT sch.school_id, r.grade, grading_pack(sch.level, r.grade) AS pack, r.subject_code
        FROM sch CROSS JOIN grading_ref_subjects() r
        UNION
        SELECT o.school_id, o.grade, grading_pack(sch.level, o.grade), o.subject_code
        FROM own o LEFT JOIN sch USING (school_id)
    )
    SELECT k.school_id, k.grade, k.subject_code,
           coalesce(o.mode,
                    CASE WHEN k.pack = 'GDTX' THEN coalesce(r.mode_gdtx, r.mode_tt22)
                         ELSE r.mode_tt22 END) AS mode,
           coalesce(o.periods,
                    CASE WHEN k.subject_code = 'CONG_NGHE' AND k.grade IN (8, 9)
                             THEN getvariable('tt22_periods_cong_nghe_8_9')
                         WHEN k.subject_code = 'LICH_SU' AND k.grade >= 10
                             THEN getvariable('tt22_periods_lich_su_thpt')
                         WHEN k.pack = 'GDTX' THEN coalesce(r.periods_gdtx, r.periods_tt22)
                         ELSE r.periods_tt22 END) AS periods,
           r.tests_th
    FROM keys k
    LEFT JOIN own o USING (school_id, grade, subject_code)
    LEFT JOIN grading_ref_subjects() r USING (grade, subject_code);

-- Required regular assessments (ĐĐGtx) per semester (TT 22 Điều 6 khoản 2 điểm b; domain.md
-- §1.3): score subjects ≤ 35 periods 2, ≤ 70 periods 3, more 4, plus one for a THPT subject
-- listed in tt22_chuyen_de_subjects; comment subjects tt22_comment_tx_count.
CREATE OR REPLACE MACRO grading_required_tx(mode, periods, subject_code, grade) AS
    CASE
        WHEN mode = 'điểm' AND periods IS NOT NULL THEN
            CASE WHEN periods <= 35 THEN 2 WHEN periods <= 70 THEN 3 ELSE 4 END
            + CASE WHEN grade >= 10 AND list_contains(
                        list_transform(string_split(coalesce(getvariable('tt22_chuyen_de_subjects'), ''), ','),
                                       lambda x: upper(trim(x))),
                        upper(subject_code)) THEN 1 ELSE 0 END
        WHEN mode = 'nhận xét' THEN getvariable('tt22_comment_tx_count')
    END;
