-- Signing macros (2/2): the cross-check of signed học bạ content against the grade book
-- (CKS-030). signed_values holds every value the record's signatures cover (only from a signed
-- block the verifier returned intact), keyed like findings.entity_key; the grade book is
-- unpivoted to the same (src_file, row_key, field, value) form and each source table is
-- compared with ONE full outer join (no per-row subquery): signed_values may hold ~60 rows per
-- pupil (≈50 M rows city-wide).
--
-- Compared fields (the mapping's value columns; key columns are compared through row_key):
--   subject_results      average, level, retest, retest_level
--   year_results         conduct_hk1/hk2/year, academic_hk1/hk2/year, absences, summer_conduct,
--                        retest_academic, decision, award
--   primary_evaluations  level, test_score
--   primary_results      overall, completed_grade, completed_primary, award, absences_excused,
--                        absences_unexcused
--   pupils               identity fields: personal_id, full_name, birth_date, sex,
--                        ethnicity_code, nationality, birthplace
-- Only records of a pupil enrolled in that school year are compared (a record of a pupil not
-- enrolled is CKS-041, not sixty content differences). A NULL in the grade book with no value
-- in the record is no difference; a value on one side only is.

CREATE OR REPLACE MACRO signing_numeric_field(f) AS
    f IN ('average', 'retest', 'test_score', 'absences', 'absences_excused', 'absences_unexcused');

CREATE OR REPLACE MACRO signing_compared_field(t, f) AS
    CASE t
        WHEN 'subject_results' THEN f IN ('average', 'level', 'retest', 'retest_level')
        WHEN 'year_results' THEN f IN ('conduct_hk1', 'conduct_hk2', 'conduct_year', 'academic_hk1',
            'academic_hk2', 'academic_year', 'absences', 'summer_conduct', 'retest_academic',
            'decision', 'award')
        WHEN 'primary_evaluations' THEN f IN ('level', 'test_score')
        WHEN 'primary_results' THEN f IN ('overall', 'completed_grade', 'completed_primary', 'award',
            'absences_excused', 'absences_unexcused')
        WHEN 'pupils' THEN f IN ('personal_id', 'full_name', 'birth_date', 'sex', 'ethnicity_code',
            'nationality', 'birthplace')
        ELSE false
    END;

CREATE OR REPLACE MACRO signing_content_diffs() AS TABLE
    WITH files AS (
        SELECT DISTINCT school_id, src_file, school_year, pupil_code FROM signed_values
    ), scope AS (
        SELECT f.* FROM files f
        WHERE EXISTS (SELECT 1 FROM enrolments e
                      WHERE e.school_id = f.school_id AND e.school_year = f.school_year
                        AND e.pupil_code = f.pupil_code)
    ), b_sr AS (
        UNPIVOT (
            SELECT s.school_id, s.src_file,
                   b.school_year || '|' || b.pupil_code || '|' || b.subject_code || '|' || b.period
                       AS row_key,
                   signing_canon_dec(b.average) AS average, b.level AS level,
                   signing_canon_dec(b.retest) AS retest, b.retest_level AS retest_level
            FROM subject_results b
            JOIN scope s ON s.school_id = b.school_id AND s.school_year = b.school_year
                        AND s.pupil_code = b.pupil_code
        ) ON average, level, retest, retest_level INTO NAME field VALUE value
    ), b_yr AS (
        UNPIVOT (
            SELECT s.school_id, s.src_file, b.school_year || '|' || b.pupil_code AS row_key,
                   b.conduct_hk1, b.conduct_hk2, b.conduct_year, b.academic_hk1, b.academic_hk2,
                   b.academic_year, CAST(b.absences AS VARCHAR) AS absences, b.summer_conduct,
                   b.retest_academic, b.decision, b.award
            FROM year_results b
            JOIN scope s ON s.school_id = b.school_id AND s.school_year = b.school_year
                        AND s.pupil_code = b.pupil_code
        ) ON conduct_hk1, conduct_hk2, conduct_year, academic_hk1, academic_hk2, academic_year,
             absences, summer_conduct, retest_academic, decision, award
          INTO NAME field VALUE value
    ), b_pe AS (
        UNPIVOT (
            SELECT s.school_id, s.src_file,
                   b.school_year || '|' || b.pupil_code || '|' || b.item_kind || '|' || b.item_code
                       || '|' || b.checkpoint AS row_key,
                   b.level AS level, signing_canon_dec(b.test_score) AS test_score
            FROM primary_evaluations b
            JOIN scope s ON s.school_id = b.school_id AND s.school_year = b.school_year
                        AND s.pupil_code = b.pupil_code
        ) ON level, test_score INTO NAME field VALUE value
    ), b_pr AS (
        UNPIVOT (
            SELECT s.school_id, s.src_file, b.school_year || '|' || b.pupil_code AS row_key,
                   b.overall, signing_canon_bool(b.completed_grade) AS completed_grade,
                   signing_canon_bool(b.completed_primary) AS completed_primary, b.award,
                   CAST(b.absences_excused AS VARCHAR) AS absences_excused,
                   CAST(b.absences_unexcused AS VARCHAR) AS absences_unexcused
            FROM primary_results b
            JOIN scope s ON s.school_id = b.school_id AND s.school_year = b.school_year
                        AND s.pupil_code = b.pupil_code
        ) ON overall, completed_grade, completed_primary, award, absences_excused,
             absences_unexcused INTO NAME field VALUE value
    ), b_pu AS (
        UNPIVOT (
            SELECT s.school_id, s.src_file, b.pupil_code AS row_key,
                   b.personal_id, b.full_name, strftime(b.birth_date, '%Y-%m-%d') AS birth_date,
                   b.sex, b.ethnicity_code, b.nationality, b.birthplace
            FROM pupils b
            JOIN scope s ON s.school_id = b.school_id AND s.pupil_code = b.pupil_code
        ) ON personal_id, full_name, birth_date, sex, ethnicity_code, nationality, birthplace
          INTO NAME field VALUE value
    ), d AS (
        SELECT coalesce(v.school_id, b.school_id) AS school_id,
               coalesce(v.src_file, b.src_file) AS src_file, 'subject_results' AS source_table,
               coalesce(v.row_key, b.row_key) AS row_key, coalesce(v.field, b.field) AS field,
               v.value AS signed_value, b.value AS book_value, v.src_row
        FROM (SELECT school_id, src_file, row_key, field, value, src_row FROM signed_values
              WHERE source_table = 'subject_results' AND signing_compared_field('subject_results', field)) v
        FULL JOIN b_sr b ON v.school_id = b.school_id AND v.src_file = b.src_file
                        AND v.row_key = b.row_key AND v.field = b.field
        WHERE NOT signing_same_value(v.value, b.value, signing_numeric_field(coalesce(v.field, b.field)))
        UNION ALL
        SELECT coalesce(v.school_id, b.school_id), coalesce(v.src_file, b.src_file), 'year_results',
               coalesce(v.row_key, b.row_key), coalesce(v.field, b.field), v.value, b.value, v.src_row
        FROM (SELECT school_id, src_file, row_key, field, value, src_row FROM signed_values
              WHERE source_table = 'year_results' AND signing_compared_field('year_results', field)) v
        FULL JOIN b_yr b ON v.school_id = b.school_id AND v.src_file = b.src_file
                        AND v.row_key = b.row_key AND v.field = b.field
        WHERE NOT signing_same_value(v.value, b.value, signing_numeric_field(coalesce(v.field, b.field)))
        UNION ALL
        SELECT coalesce(v.school_id, b.school_id), coalesce(v.src_file, b.src_file),
               'primary_evaluations', coalesce(v.row_key, b.row_key),
               coalesce(v.field, b.field), v.value, b.value, v.src_row
        FROM (SELECT school_id, src_file, row_key, field, value, src_row FROM signed_values
              WHERE source_table = 'primary_evaluations' AND signing_compared_field('primary_evaluations', field)) v
        FULL JOIN b_pe b ON v.school_id = b.school_id AND v.src_file = b.src_file
                        AND v.row_key = b.row_key AND v.field = b.field
        WHERE NOT signing_same_value(v.value, b.value, signing_numeric_field(coalesce(v.field, b.field)))
        UNION ALL
        SELECT coalesce(v.school_id, b.school_id), coalesce(v.src_file, b.src_file),
               'primary_results', coalesce(v.row_key, b.row_key), coalesce(v.field, b.field),
               v.value, b.value, v.src_row
        FROM (SELECT school_id, src_file, row_key, field, value, src_row FROM signed_values
              WHERE source_table = 'primary_results' AND signing_compared_field('primary_results', field)) v
        FULL JOIN b_pr b ON v.school_id = b.school_id AND v.src_file = b.src_file
                        AND v.row_key = b.row_key AND v.field = b.field
        WHERE NOT signing_same_value(v.value, b.value, signing_numeric_field(coalesce(v.field, b.field)))
        UNION ALL
        SELECT coalesce(v.school_id, b.school_id), coalesce(v.src_file, b.src_file), 'pupils',
               coalesce(v.row_key, b.row_key), coalesce(v.field, b.field), v.value, b.value,
               v.src_row
        FROM (SELECT school_id, src_file, row_key, field, value, src_row FROM signed_values
              WHERE source_table = 'pupils' AND signing_compared_field('pupils', field)) v
        FULL JOIN b_pu b ON v.school_id = b.school_id AND v.src_file = b.src_file
                        AND v.row_key = b.row_key AND v.field = b.field
        WHERE NOT signing_same_value(v.value, b.value, signing_numeric_field(coalesce(v.field, b.field)))
    )
    SELECT d.*, s.school_year, s.pupil_code
    FROM d JOIN scope s ON s.school_id = d.school_id AND s.src_file = d.src_file;

-- Vietnamese name of a compared field, for the messages.
CREATE OR REPLACE MACRO signing_field_vi(f) AS
    CASE f
        WHEN 'average' THEN 'điểm trung bình môn' WHEN 'level' THEN 'mức đánh giá'
        WHEN 'retest' THEN 'điểm kiểm tra lại' WHEN 'retest_level' THEN 'mức đánh giá kiểm tra lại'
        WHEN 'conduct_hk1' THEN 'kết quả rèn luyện học kì I' WHEN 'conduct_hk2' THEN 'kết quả rèn luyện học kì II'
        WHEN 'conduct_year' THEN 'kết quả rèn luyện cả năm' WHEN 'academic_hk1' THEN 'kết quả học tập học kì I'
        WHEN 'academic_hk2' THEN 'kết quả học tập học kì II' WHEN 'academic_year' THEN 'kết quả học tập cả năm'
        WHEN 'absences' THEN 'số buổi nghỉ' WHEN 'summer_conduct' THEN 'kết quả rèn luyện trong hè'
        WHEN 'retest_academic' THEN 'kết quả học tập sau kiểm tra lại' WHEN 'decision' THEN 'quyết định lên lớp'
        WHEN 'award' THEN 'khen thưởng' WHEN 'test_score' THEN 'điểm kiểm tra định kì'
        WHEN 'overall' THEN 'kết quả giáo dục' WHEN 'completed_grade' THEN 'hoàn thành chương trình lớp học'
        WHEN 'completed_primary' THEN 'hoàn thành chương trình tiểu học'
        WHEN 'absences_excused' THEN 'số ngày nghỉ có phép' WHEN 'absences_unexcused' THEN 'số ngày nghỉ không phép'
        WHEN 'personal_id' THEN 'số định danh cá nhân' WHEN 'full_name' THEN 'họ và tên'
        WHEN 'birth_date' THEN 'ngày sinh' WHEN 'sex' THEN 'giới tính' WHEN 'ethnicity_code' THEN 'dân tộc'
        WHEN 'nationality' THEN 'quốc tịch' WHEN 'birthplace' THEN 'nơi sinh'
        ELSE f END;
