-- Signing macros (3/3): certificate readiness (audits/rules/certificates.yaml).

-- A certificate serial as comparable hex: upper case, separators and leading zeros removed.
CREATE OR REPLACE MACRO signing_serial(x) AS
    nullif(ltrim(upper(regexp_replace(coalesce(x, ''), '[^0-9A-Fa-f]', '', 'g')), '0'), '');

-- A path of the registry as the loader writes src_file: '/' separators, no leading './'.
CREATE OR REPLACE MACRO signing_path(x) AS
    regexp_replace(replace(trim(x), chr(92), '/'), '^(\./)+', '');

-- Whether a certificate file can sign the campaign's records: trusted chain, not revoked, key
-- usable to sign, valid through the end of the signing deadline day (24:00 +07:00).
CREATE OR REPLACE MACRO signing_cert_usable(chain_status, key_usage_ok, not_before, not_after) AS
    chain_status = 'TRUSTED' AND coalesce(key_usage_ok, false)
    AND not_after >= signing_deadline_end_utc() AND not_before <= signing_deadline_end_utc();

-- Why a certificate file cannot sign (Vietnamese, '; '-joined), NULL when it can.
CREATE OR REPLACE MACRO signing_cert_problem(chain_status, key_usage_ok, not_before, not_after) AS
    nullif(concat_ws('; ',
        CASE chain_status
            WHEN 'TRUSTED' THEN NULL
            WHEN 'REVOKED' THEN 'đã bị thu hồi'
            WHEN 'UNTRUSTED_ROOT' THEN 'chuỗi chứng thực dẫn tới Root CA không được tin cậy'
            WHEN 'NO_CHAIN' THEN 'không tìm được tổ chức chứng thực cấp chứng thư trong danh sách tin cậy'
            WHEN 'UNREADABLE' THEN 'tệp không đọc được'
            ELSE 'chưa kiểm tra được chuỗi chứng thực' END,
        CASE WHEN chain_status <> 'UNREADABLE' AND NOT coalesce(key_usage_ok, false)
             THEN 'không được phép dùng để ký số' END,
        CASE WHEN not_after < signing_deadline_end_utc()
             THEN 'hết hạn ngày ' || strftime(not_after + INTERVAL 7 HOUR, '%d/%m/%Y')
                  || ', trước hạn ký' END,
        CASE WHEN not_before > signing_deadline_end_utc()
             THEN 'chỉ có hiệu lực từ ngày ' || strftime(not_before + INTERVAL 7 HOUR, '%d/%m/%Y')
                  || ', sau hạn ký' END), '');

-- Certificate files that belong to a holder (a person or the school): registered in the
-- certificates registry, or carrying a holder ID (CCCD, CMND, MST, MNS), or unreadable. CA
-- certificates shipped beside them (no holder ID, not registered) are left out. `holder`
-- names the registered holder for the messages.
CREATE OR REPLACE MACRO signing_holder_certs() AS TABLE
    WITH reg AS (
        SELECT k.school_id, signing_path(k.cert_file) AS path,
               string_agg(DISTINCT CASE WHEN k.holder_kind = 'trường' THEN 'con dấu số của trường'
                                        ELSE coalesce(t.full_name, 'giáo viên') || ' (mã '
                                             || k.holder_code || ')' END, ', ') AS holder,
               bool_or(k.holder_kind = 'trường') AS seal
        FROM certificates k
        LEFT JOIN teachers t ON t.school_id = k.school_id AND t.teacher_code = k.holder_code
                            AND k.holder_kind IS DISTINCT FROM 'trường'
        WHERE k.cert_file IS NOT NULL
        GROUP BY k.school_id, signing_path(k.cert_file)
    )
    SELECT f.*, coalesce(reg.holder, f.subject_name, 'không rõ chủ sở hữu') AS holder,
           coalesce(reg.seal, false) AS registered_seal, reg.path IS NOT NULL AS registered
    FROM certificate_files f
    LEFT JOIN reg ON reg.school_id = f.school_id AND reg.path = f.src_file
    WHERE reg.path IS NOT NULL OR f.id_kind IS NOT NULL OR f.chain_status = 'UNREADABLE';

-- The people who must hold a certificate: every GVCN of a class of the signing school years
-- and every principal (Hiệu trưởng) of a school whose export delivered certificates, with their certificate files (by the registry, or by the
-- personal ID in the certificate) counted: all, and usable ones; `problems` lists why each
-- file is unusable.
CREATE OR REPLACE MACRO signing_cert_need() AS TABLE
    WITH need AS (
        SELECT t.school_id, t.teacher_code, any_value(t.full_name) AS full_name,
               any_value(nullif(trim(t.personal_id), '')) AS pid,
               any_value(t.src_file) AS src_file, any_value(t.src_sheet) AS src_sheet,
               any_value(t.src_row) AS src_row,
               concat_ws('; ',
                   CASE WHEN bool_or(t.position = 'Hiệu trưởng') THEN 'hiệu trưởng' END,
                   'giáo viên chủ nhiệm lớp ' || string_agg(DISTINCT c.class_name || ' (' || c.school_year || ')', ', ')
               ) AS duty
        FROM teachers t
        LEFT JOIN classes c ON c.school_id = t.school_id AND c.homeroom_teacher_code = t.teacher_code
                           AND signing_year_in_scope(c.school_year)
        WHERE signing_certs_delivered(t.school_id)
        GROUP BY t.school_id, t.teacher_code
        HAVING bool_or(t.position = 'Hiệu trưởng') OR count(c.class_name) > 0
    ), links AS (
        SELECT DISTINCT n.school_id, n.teacher_code, f.src_file AS cert_file
        FROM need n
        JOIN certificates k ON k.school_id = n.school_id AND k.holder_code = n.teacher_code
                           AND k.holder_kind IS DISTINCT FROM 'trường'
        JOIN certificate_files f ON f.school_id = k.school_id AND f.src_file = signing_path(k.cert_file)
        UNION
        SELECT n.school_id, n.teacher_code, f.src_file
        FROM need n JOIN certificate_files f ON f.school_id = n.school_id AND f.personal_id = n.pid
    )
    SELECT n.*, count(f.src_file) AS files,
           count(f.src_file) FILTER (WHERE signing_cert_usable(f.chain_status, f.key_usage_ok,
                                                                f.not_before, f.not_after)) AS usable,
           string_agg(f.src_file || ': ' || signing_cert_problem(f.chain_status, f.key_usage_ok,
                                                                 f.not_before, f.not_after),
                      ' | ' ORDER BY f.src_file) AS problems
    FROM need n
    LEFT JOIN links l ON l.school_id = n.school_id AND l.teacher_code = n.teacher_code
    LEFT JOIN certificate_files f ON f.school_id = l.school_id AND f.src_file = l.cert_file
    GROUP BY ALL;
