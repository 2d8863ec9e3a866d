-- Grading macros (3/3): primary school, TT 27/2020 (domain.md §2). The rules of
-- audits/rules/grading_tt27.yaml select from these macros; see docs/grading.md.

-- Every evaluation of a primary pupil-year under TT 27, with the grade, the allowed level codes
-- of its field type (subjects T/H/C; qualities and competences T/Đ/C) and whether the grade and
-- checkpoint require a periodic test mark for the subject (audits/reference/subjects.yaml,
-- periodic_tests; domain.md §2.2).
CREATE OR REPLACE MACRO tt27_evaluations() AS TABLE
    SELECT e.*, sc.grade,
           CASE WHEN e.item_kind = 'môn học' THEN ['T', 'H', 'C'] ELSE ['T', 'Đ', 'C'] END AS allowed,
           CASE WHEN e.item_kind = 'môn học' THEN 'T, H hoặc C' ELSE 'T, Đ hoặc C' END AS allowed_text,
           CASE e.item_kind WHEN 'môn học' THEN 'môn học/hoạt động giáo dục'
                            WHEN 'phẩm chất' THEN 'phẩm chất' WHEN 'năng lực' THEN 'năng lực'
                            ELSE coalesce(e.item_kind, '(không rõ)') END AS kind_vi,
           CASE e.checkpoint WHEN 'GK1' THEN 'giữa học kì I' WHEN 'CK1' THEN 'cuối học kì I'
                             WHEN 'GK2' THEN 'giữa học kì II' WHEN 'CN' THEN 'cuối năm học'
                             ELSE coalesce(e.checkpoint, '(không rõ)') END AS checkpoint_vi,
           e.item_kind = 'môn học' AND coalesce(list_contains(r.tests_th, e.checkpoint), false)
               AS test_required,
           coalesce(e.test_score_raw, grading_fmt2(e.test_score)) AS score_text,
           coalesce(CASE WHEN e.item_kind = 'môn học' THEN n.subject_name ELSE i.item_name END,
                    e.item_code) AS item_vi,
           concat_ws('|', e.school_year, e.pupil_code, e.item_kind, e.item_code, e.checkpoint)
               AS entity_key
    FROM primary_evaluations e
    JOIN grading_scope('TT27') sc USING (school_id, school_year, pupil_code)
    LEFT JOIN grading_ref_subjects() r
        ON r.grade = sc.grade AND r.subject_code = e.item_code AND e.item_kind = 'môn học'
    LEFT JOIN grading_subject_names() n ON n.subject_code = e.item_code
    LEFT JOIN (SELECT item_code, max(item_name) AS item_name FROM ref_primary_items GROUP BY 1) i
        ON i.item_code = e.item_code;

-- The year result (Điều 7; domain.md §2.4) recomputed from the year-end (CN) evaluations:
-- HTXS when every subject is T, every quality and competence T and every year-end test ≥
-- tt27_threshold_htxs; HTT the same with tt27_threshold_htt; HT when subjects are T/H,
-- qualities and competences T/Đ and every test ≥ tt27_threshold_ht; CHT otherwise.
CREATE OR REPLACE MACRO tt27_overall() AS TABLE
    WITH cn AS (
        SELECT school_id, school_year, pupil_code,
               coalesce(bool_and(level = 'T') FILTER (WHERE item_kind = 'môn học'), true) AS subj_all_t,
               coalesce(bool_and(level IN ('T', 'H')) FILTER (WHERE item_kind = 'môn học'), true) AS subj_ok,
               coalesce(bool_and(level = 'T') FILTER (WHERE item_kind <> 'môn học'), true) AS qc_all_t,
               coalesce(bool_and(level IN ('T', 'Đ')) FILTER (WHERE item_kind <> 'môn học'), true) AS qc_ok,
               min(test_score) AS min_test,
               count(*) FILTER (WHERE item_kind = 'môn học' AND level <> 'T') AS n_subj_not_t,
               count(*) FILTER (WHERE item_kind <> 'môn học' AND level <> 'T') AS n_qc_not_t,
               count(*) AS n_cn
        FROM tt27_evaluations() WHERE checkpoint = 'CN'
        GROUP BY school_id, school_year, pupil_code
    )
    SELECT r.*, sc.grade, cn.min_test, cn.n_subj_not_t, cn.n_qc_not_t,
           coalesce(grading_fmt2(cn.min_test), '(không có)') AS min_test_text,
           CASE
               WHEN cn.subj_all_t AND cn.qc_all_t
                    AND coalesce(cn.min_test >= getvariable('tt27_threshold_htxs'), true) THEN 'HTXS'
               WHEN cn.subj_all_t AND cn.qc_all_t
                    AND coalesce(cn.min_test >= getvariable('tt27_threshold_htt'), true) THEN 'HTT'
               WHEN cn.subj_ok AND cn.qc_ok
                    AND coalesce(cn.min_test >= getvariable('tt27_threshold_ht'), true) THEN 'HT'
               ELSE 'CHT'
           END AS expected,
           concat_ws('|', r.school_year, r.pupil_code) AS entity_key
    FROM primary_results r
    JOIN grading_scope('TT27') sc USING (school_id, school_year, pupil_code)
    JOIN cn USING (school_id, school_year, pupil_code);

-- Names of the primary year results, for messages.
CREATE OR REPLACE MACRO tt27_overall_name(code) AS
    CASE code WHEN 'HTXS' THEN 'Hoàn thành xuất sắc' WHEN 'HTT' THEN 'Hoàn thành tốt'
              WHEN 'HT' THEN 'Hoàn thành' WHEN 'CHT' THEN 'Chưa hoàn thành' ELSE code END;

-- Year results of primary pupils under TT 27, with the grade.
CREATE OR REPLACE MACRO tt27_results() AS TABLE
    SELECT r.*, sc.grade, concat_ws('|', r.school_year, r.pupil_code) AS entity_key,
           tt27_overall_name(r.overall) AS overall_vi
    FROM primary_results r
    JOIN grading_scope('TT27') sc USING (school_id, school_year, pupil_code)
    WHERE r.overall IN ('HTXS', 'HTT', 'HT', 'CHT');

-- A yes/no value as the học bạ writes it.
CREATE OR REPLACE MACRO grading_yes_no(b) AS
    CASE WHEN b THEN 'Có' WHEN NOT b THEN 'Không' ELSE '(trống)' END;
