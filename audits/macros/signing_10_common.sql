-- Signing macros: shared helpers of audits/rules/signatures.yaml, certificates.yaml and
-- package.yaml. Settings are read with getvariable() (audits/settings/signing.yaml).

-- Whether a school year is one whose records must be signed (setting signing_school_years,
-- comma separated; empty: every year).
CREATE OR REPLACE MACRO signing_year_in_scope(y) AS
    trim(coalesce(getvariable('signing_school_years'), '')) = ''
    OR list_contains(string_split(replace(getvariable('signing_school_years'), ' ', ''), ','), y);

-- Whether an enrolment is still active at the end of the year (the semantics of LOP-003: a
-- pupil who transferred out or dropped out is not; NULL status counts as active).
CREATE OR REPLACE MACRO signing_active(status) AS
    status IS NULL OR status NOT IN ('Chuyển đi', 'Thôi học');

-- The end of the signing deadline day (24:00 local time, +07:00) as a naive UTC timestamp, to
-- compare with certificate_files.not_after (UTC).
CREATE OR REPLACE MACRO signing_deadline_end_utc() AS
    CAST(CAST(getvariable('signing_deadline') AS DATE) AS TIMESTAMP) + INTERVAL 17 HOUR;

-- dd/mm/yyyy of a date setting.
CREATE OR REPLACE MACRO signing_vn_date(d) AS strftime(CAST(d AS DATE), '%d/%m/%Y');

-- A timestamp as Vietnamese text (dd/mm/yyyy hh:mm:ss).
CREATE OR REPLACE MACRO signing_vn_time(t) AS strftime(t, '%d/%m/%Y %H:%M:%S');

-- The Vietnamese name of a signature slot.
CREATE OR REPLACE MACRO signing_role_vi(role) AS
    CASE role WHEN 'GVCN' THEN 'giáo viên chủ nhiệm' WHEN 'HT' THEN 'hiệu trưởng'
              WHEN 'DonVi' THEN 'con dấu số của trường' ELSE role END;

-- Whether a role slot must be signed (the seal slot only when seal_signature_required).
CREATE OR REPLACE MACRO signing_role_required(role) AS
    role IN ('GVCN', 'HT') OR (role = 'DonVi' AND getvariable('seal_signature_required'));

-- A grade-book value in the canonical text form of signed_values.value: numbers as plain
-- decimal text without trailing zeros ('7', '8.5'), booleans 'true'/'false', dates
-- 'YYYY-MM-DD', text as is. NULL stays NULL.
CREATE OR REPLACE MACRO signing_canon_dec(x) AS
    CASE WHEN x IS NULL THEN NULL
         WHEN x = trunc(x) THEN CAST(CAST(trunc(x) AS BIGINT) AS VARCHAR)
         WHEN x * 10 = trunc(x * 10) THEN CAST(CAST(x AS DECIMAL(18, 1)) AS VARCHAR)
         ELSE rtrim(CAST(CAST(x AS DECIMAL(18, 4)) AS VARCHAR), '0') END;
CREATE OR REPLACE MACRO signing_canon_bool(x) AS
    CASE WHEN x IS NULL THEN NULL WHEN x THEN 'true' ELSE 'false' END;

-- Text compared with whitespace folded (the loader folds runs of spaces; the record keeps NFC text).
CREATE OR REPLACE MACRO signing_fold(x) AS
    nullif(regexp_replace(trim(x), '\s+', ' ', 'g'), '');

-- Whether a signed value equals the grade book's: numbers as DECIMAL, everything else as text
-- with whitespace folded; absent (NULL or blank) on both sides is equal. The exact comparison
-- comes first, so the common case (equal text) costs no trim or regexp.
CREATE OR REPLACE MACRO signing_same_value(signed, book, is_number) AS
    CASE WHEN signed = book THEN true
         WHEN nullif(trim(signed), '') IS NULL AND nullif(trim(book), '') IS NULL THEN true
         WHEN nullif(trim(signed), '') IS NULL OR nullif(trim(book), '') IS NULL THEN false
         WHEN is_number THEN coalesce(TRY_CAST(trim(signed) AS DECIMAL(18, 4))
                                      = TRY_CAST(trim(book) AS DECIMAL(18, 4)), false)
         ELSE signing_fold(signed) = signing_fold(book) END;

-- The 12-digit personal ID a signing certificate identifies its holder by: the CCCD (or a
-- 12-digit CMND, the same number), else a 12-digit personal MST (since 2025 an individual's
-- MST may equal the personal ID, domain.md §5.4); NULL for a 9-digit CMND or no ID.
CREATE OR REPLACE MACRO signing_signer_cccd(personal_id, tax_code) AS
    CASE WHEN regexp_full_match(trim(personal_id), '[0-9]{12}') THEN trim(personal_id)
         WHEN nullif(trim(personal_id), '') IS NULL
              AND regexp_full_match(trim(tax_code), '[0-9]{12}') THEN trim(tax_code) END;

-- Identity check of every present GVCN and HT slot against the roster: one row per slot with
-- `verdict` 'match', 'mismatch' (CKS-010, CKS-011), 'cmnd' (9-digit CMND only: CKS-014) or a
-- reason the roster cannot decide ('no_signer_id', 'no_class', 'no_gvcn', 'gvcn_unknown',
-- 'gvcn_no_id', 'no_principal', 'leader_no_id': CKS-013), and the names for the messages.
CREATE OR REPLACE MACRO signing_person_slots() AS TABLE
    WITH slots AS (
        SELECT s.*, signing_signer_cccd(s.signer_personal_id, s.signer_tax_code) AS signer_cccd
        FROM record_signatures s
        WHERE s.present AND s.role IN ('GVCN', 'HT')
    ), staff AS (
        SELECT school_id, nullif(trim(personal_id), '') AS pid,
               min(teacher_code) AS teacher_code, min(full_name) AS full_name,
               min(position) AS position
        FROM teachers WHERE nullif(trim(personal_id), '') IS NOT NULL
        GROUP BY ALL
    ), leaders AS (
        SELECT school_id,
               string_agg(full_name || ' (mã ' || teacher_code || ')', ', ' ORDER BY teacher_code)
                   FILTER (WHERE position = 'Hiệu trưởng') AS principal_names,
               count(*) FILTER (WHERE position = 'Hiệu trưởng') AS principals,
               count(*) FILTER (WHERE nullif(trim(personal_id), '') IS NULL) AS without_id,
               list(nullif(trim(personal_id), '')) FILTER (WHERE nullif(trim(personal_id), '') IS NOT NULL) AS ids
        FROM teachers
        WHERE position = 'Hiệu trưởng'
           OR (position = 'Phó hiệu trưởng' AND getvariable('deputy_may_sign_ht'))
        GROUP BY school_id
    ), gvcn AS (
        SELECT sl.school_id, sl.src_file, c.class_name IS NOT NULL AS class_found,
               nullif(trim(c.homeroom_teacher_code), '') AS gvcn_code, t.teacher_code AS gvcn_found,
               t.full_name AS gvcn_name, nullif(trim(t.personal_id), '') AS gvcn_pid
        FROM slots sl
        LEFT JOIN classes c ON c.school_id = sl.school_id AND c.school_year = sl.school_year
                           AND c.class_name = sl.class_name
        LEFT JOIN teachers t ON t.school_id = c.school_id AND t.teacher_code = c.homeroom_teacher_code
        WHERE sl.role = 'GVCN'
    )
    SELECT sl.*, g.gvcn_code, g.gvcn_name, g.gvcn_pid, l.principal_names,
           st.teacher_code AS signer_code, st.full_name AS signer_staff_name,
           st.position AS signer_position,
           CASE
               WHEN sl.signer_cccd IS NULL AND sl.signer_id_kind = 'CMND'
                    AND nullif(trim(sl.signer_personal_id), '') IS NOT NULL THEN 'cmnd'
               WHEN sl.signer_cccd IS NULL THEN 'no_signer_id'
               WHEN sl.role = 'GVCN' AND NOT g.class_found THEN 'no_class'
               WHEN sl.role = 'GVCN' AND g.gvcn_code IS NULL THEN 'no_gvcn'
               WHEN sl.role = 'GVCN' AND g.gvcn_found IS NULL THEN 'gvcn_unknown'
               WHEN sl.role = 'GVCN' AND g.gvcn_pid IS NULL THEN 'gvcn_no_id'
               WHEN sl.role = 'GVCN' AND g.gvcn_pid = sl.signer_cccd THEN 'match'
               WHEN sl.role = 'GVCN' THEN 'mismatch'
               WHEN coalesce(l.principals, 0) = 0 THEN 'no_principal'
               WHEN list_contains(l.ids, sl.signer_cccd) THEN 'match'
               -- the signer is a known staff member who may not sign for the principal: a mismatch
               -- even when a leader's own ID is missing
               WHEN st.position IS NOT NULL AND st.position <> 'Hiệu trưởng'
                    AND NOT (st.position = 'Phó hiệu trưởng' AND getvariable('deputy_may_sign_ht'))
                    THEN 'mismatch'
               WHEN l.without_id > 0 THEN 'leader_no_id'
               ELSE 'mismatch'
           END AS verdict
    FROM slots sl
    LEFT JOIN gvcn g ON g.school_id = sl.school_id AND g.src_file = sl.src_file
    LEFT JOIN leaders l ON l.school_id = sl.school_id
    LEFT JOIN staff st ON st.school_id = sl.school_id AND st.pid = sl.signer_cccd;

-- Identity check of every present seal (DonVi) slot against the school row: `verdict` 'match',
-- 'mismatch' (MST or MNS differs, CKS-012), 'personal' (signed with a personal certificate,
-- CKS-012) or 'no_seal_id' / 'school_no_code' (CKS-013).
CREATE OR REPLACE MACRO signing_seal_slots() AS TABLE
    SELECT s.*, sc.tax_code AS school_tax_code, sc.budget_code AS school_budget_code,
           concat_ws(', ', 'MST ' || nullif(trim(s.signer_tax_code), ''),
                     'MNS ' || nullif(trim(s.signer_budget_code), '')) AS seal_ids,
           concat_ws(', ', 'MST ' || nullif(trim(sc.tax_code), ''),
                     'MNS ' || nullif(trim(sc.budget_code), '')) AS school_ids,
           CASE
               WHEN nullif(trim(s.signer_tax_code), '') IS NULL
                    AND nullif(trim(s.signer_budget_code), '') IS NULL
                    AND nullif(trim(s.signer_personal_id), '') IS NOT NULL THEN 'personal'
               WHEN nullif(trim(s.signer_tax_code), '') IS NULL
                    AND nullif(trim(s.signer_budget_code), '') IS NULL THEN 'no_seal_id'
               WHEN trim(s.signer_tax_code) <> trim(sc.tax_code)
                    OR trim(s.signer_budget_code) <> trim(sc.budget_code) THEN 'mismatch'
               WHEN trim(s.signer_tax_code) = trim(sc.tax_code)
                    OR trim(s.signer_budget_code) = trim(sc.budget_code) THEN 'match'
               ELSE 'school_no_code'
           END AS verdict
    FROM record_signatures s
    LEFT JOIN schools sc ON sc.school_id = s.school_id
    WHERE s.present AND s.role = 'DonVi';

-- Whether a school's export delivered signed records (a học bạ XML or a package manifest line):
-- the per-pupil expectations (CKS-040, CKS-050 … CKS-053) apply to such schools only; a school
-- that delivered none gets one finding instead (GOI-005).
CREATE OR REPLACE MACRO signing_records_delivered(sid) AS
    EXISTS (SELECT 1 FROM signed_records r WHERE r.school_id = sid)
    OR EXISTS (SELECT 1 FROM package_entries p WHERE p.school_id = sid);

-- Whether a school's export delivered certificates (a certificate file or a registry row): the
-- per-teacher readiness rules (CTS-001, CTS-002) apply to such schools only; a school that
-- delivered none gets one finding instead (CTS-003).
CREATE OR REPLACE MACRO signing_certs_delivered(sid) AS
    EXISTS (SELECT 1 FROM certificate_files f WHERE f.school_id = sid)
    OR EXISTS (SELECT 1 FROM certificates k WHERE k.school_id = sid);

-- Signing coverage of the enrolled pupils: one row per enrolment active at year end in the
-- signing school years (of a school that delivered signed records), with the record files found and whether some file of the pupil-year
-- carries a valid (TOTAL_PASSED) signature per role, and all required roles in one file.
CREATE OR REPLACE MACRO signing_coverage() AS TABLE
    WITH file_roles AS (
        SELECT school_id, src_file,
               coalesce(bool_or(role = 'GVCN' AND present AND indication = 'TOTAL_PASSED'), false) AS g,
               coalesce(bool_or(role = 'HT' AND present AND indication = 'TOTAL_PASSED'), false) AS h,
               coalesce(bool_or(role = 'DonVi' AND present AND indication = 'TOTAL_PASSED'), false) AS d
        FROM record_signatures GROUP BY school_id, src_file
    ), rec AS (
        SELECT r.school_id, r.school_year, r.pupil_code, count(*) AS files,
               coalesce(bool_or(f.g), false) AS gvcn_ok, coalesce(bool_or(f.h), false) AS ht_ok,
               coalesce(bool_or(f.d), false) AS seal_ok,
               coalesce(bool_or(f.g AND f.h AND (f.d OR NOT getvariable('seal_signature_required'))),
                        false) AS complete
        FROM signed_records r
        LEFT JOIN file_roles f ON f.school_id = r.school_id AND f.src_file = r.src_file
        WHERE r.pupil_code IS NOT NULL
        GROUP BY r.school_id, r.school_year, r.pupil_code
    )
    SELECT e.school_id, e.school_year, e.pupil_code, e.class_name, p.full_name,
           e.src_file, e.src_sheet, e.src_row,
           coalesce(rec.files, 0) AS files,
           coalesce(rec.gvcn_ok, false) AS gvcn_ok, coalesce(rec.ht_ok, false) AS ht_ok,
           coalesce(rec.seal_ok, false) AS seal_ok, coalesce(rec.complete, false) AS complete,
           CASE WHEN rec.files IS NULL THEN 'chưa có tệp học bạ số'
                ELSE 'học bạ chưa có chữ ký số hợp lệ của ' || concat_ws(', ',
                         CASE WHEN NOT rec.gvcn_ok THEN 'giáo viên chủ nhiệm' END,
                         CASE WHEN NOT rec.ht_ok THEN 'hiệu trưởng' END,
                         CASE WHEN NOT rec.seal_ok AND getvariable('seal_signature_required')
                              THEN 'con dấu số của trường' END,
                         CASE WHEN rec.gvcn_ok AND rec.ht_ok
                                   AND (rec.seal_ok OR NOT getvariable('seal_signature_required'))
                              THEN 'đủ các vai trò trên cùng một tệp' END)
           END AS reason
    FROM enrolments e
    LEFT JOIN pupils p ON p.school_id = e.school_id AND p.pupil_code = e.pupil_code
    LEFT JOIN rec ON rec.school_id = e.school_id AND rec.school_year = e.school_year
                 AND rec.pupil_code = e.pupil_code
    WHERE signing_active(e.status) AND signing_year_in_scope(e.school_year)
      AND signing_records_delivered(e.school_id);
