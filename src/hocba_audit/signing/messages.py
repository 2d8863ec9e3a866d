"""Plain Vietnamese explanations and actions for every verification finding (NFC text)."""

from __future__ import annotations

import unicodedata

ROLE_VI: dict[str, str] = {
    "GVCN": "giáo viên chủ nhiệm",
    "HT": "hiệu trưởng",
    "DonVi": "nhà trường (chứng thư số con dấu)",
}

GROUP_VI: dict[str, str] = {
    "national": "Root CA quốc gia (dịch vụ chứng thực công cộng)",
    "government": "Ban Cơ yếu Chính phủ (chuyên dùng công vụ)",
}

_RESIGN = "Người ký cần ký lại học bạ bằng chứng thư số hợp lệ đã đăng ký."

#: code -> (explanation template, action template); templates use str.format fields.
MESSAGES: dict[str, tuple[str, str]] = {
    "passed": (
        "Chữ ký hợp lệ: nội dung không bị thay đổi sau khi ký; chứng thư số của {signer} do tổ chức "
        "được tin cậy cấp, còn hiệu lực và chưa bị thu hồi tại thời điểm ký {signing_time}.",
        "Không cần xử lý.",
    ),
    "malformed": (
        "Chữ ký số không đúng cấu trúc XML-DSig ({detail}) nên không thể kiểm tra.",
        "Xuất lại và ký lại học bạ bằng phần mềm ký số hợp chuẩn.",
    ),
    "unsupported_profile": (
        "Chữ ký thuộc dạng {detail}, không phải chữ ký bao trong (enveloped) của học bạ số, nên "
        "công cụ không kết luận hợp lệ.",
        "Không coi là hợp lệ; chuyển bộ phận kỹ thuật kiểm tra bằng công cụ chuyên dụng.",
    ),
    "digest_mismatch": (
        "Nội dung đã bị thay đổi sau khi ký: giá trị băm của phần dữ liệu được ký ({detail}) không "
        "khớp với giá trị trong chữ ký.",
        "Không công nhận bản học bạ này; lấy lại bản gốc từ CSDL ngành, xác minh ai đã sửa dữ liệu "
        "và ký lại nếu cần.",
    ),
    "bad_signature_value": (
        "Giá trị chữ ký không khớp với khóa công khai trong chứng thư số đính kèm (ký bằng khóa khác "
        "với chứng thư, hoặc chữ ký bị sửa).",
        "Không công nhận chữ ký. " + _RESIGN,
    ),
    "reference_unresolved": (
        "Không xác định được phần dữ liệu mà chữ ký tham chiếu ({detail}).",
        "Không công nhận chữ ký; xuất lại tệp học bạ từ phần mềm quản lý và ký lại.",
    ),
    "wrapping": (
        "Chữ ký không phủ khối dữ liệu học bạ ở đúng vị trí: phần được ký nằm ở chỗ khác trong tệp "
        "({detail}). Đây là dấu hiệu tấn công bọc chữ ký (signature wrapping).",
        "Không công nhận nội dung học bạ; báo cáo sự cố an toàn thông tin và đối chiếu với bản gốc "
        "trong CSDL ngành.",
    ),
    "no_certificate": (
        "Chữ ký không kèm chứng thư số của người ký.",
        "Ký lại với chứng thư số đính kèm trong KeyInfo/X509Data.",
    ),
    "untrusted_chain": (
        "Chứng thư số ({detail}) không được cấp bởi tổ chức chứng thực nào trong danh sách tin cậy.",
        "Kiểm tra nguồn gốc chứng thư số; người ký phải dùng chứng thư số của tổ chức cung cấp dịch "
        "vụ chứng thực được cấp phép, rồi ký lại.",
    ),
    "wrong_anchor_for_role": (
        "Chứng thư số của {role} thuộc hệ thống {group}, nhưng vai trò này chỉ chấp nhận {allowed}.",
        "Đăng ký chứng thư số thuộc hệ thống được chấp nhận cho vai trò này và ký lại.",
    ),
    "ca_constraints": (
        "Chuỗi chứng thư có chứng thư trung gian không được phép cấp chứng thư ({detail}).",
        "Không công nhận chữ ký; báo tổ chức chứng thực và ký lại bằng chứng thư số hợp lệ.",
    ),
    "key_usage": (
        "Chứng thư số không cho phép dùng để ký số (thiếu digitalSignature/nonRepudiation).",
        "Dùng chứng thư số ký số đúng mục đích và ký lại.",
    ),
    "revoked": (
        "Chứng thư số đã bị thu hồi ngày {date}, trước thời điểm ký {signing_time}.",
        "Không công nhận chữ ký; người ký cần được cấp chứng thư số mới và ký lại học bạ.",
    ),
    "expired": (
        "Chứng thư số đã hết hạn ngày {date}, trước thời điểm ký {signing_time}.",
        "Không công nhận chữ ký; gia hạn hoặc cấp mới chứng thư số rồi ký lại học bạ.",
    ),
    "not_yet_valid": (
        "Thời điểm ký {signing_time} sớm hơn ngày chứng thư số bắt đầu có hiệu lực {date}: thời điểm "
        "ký ghi trong tệp không đúng, hoặc chứng thư chưa có hiệu lực khi ký.",
        "Xác minh thời điểm ký thực tế với người ký; ký lại bằng chứng thư số còn hiệu lực.",
    ),
    "out_of_bounds_no_poe": (
        "Chứng thư số hết hạn hoặc chưa có hiệu lực tại thời điểm kiểm tra ({date}) và chữ ký không "
        "có thời điểm ký được ký kèm để chứng minh đã ký khi chứng thư còn hiệu lực.",
        "Yêu cầu bản có thời điểm ký (SigningTime) được ký hoặc có dấu thời gian; nếu không, ký lại.",
    ),
    "no_revocation_info": (
        "Không có danh sách chứng thư bị thu hồi (CRL) của tổ chức cấp chứng thư ({detail}) để xác "
        "nhận chứng thư chưa bị thu hồi tại thời điểm ký.",
        "Tải CRL mới nhất của tổ chức chứng thực vào thư mục tin cậy rồi kiểm tra lại.",
    ),
    "stale_revocation_info": (
        "CRL hiện có ({detail}) được phát hành trước thời điểm ký nên chưa chứng minh được chứng thư "
        "chưa bị thu hồi lúc ký.",
        "Tải CRL mới nhất của tổ chức chứng thực vào thư mục tin cậy rồi kiểm tra lại.",
    ),
    "weak_hash": (
        "Chữ ký dùng thuật toán băm {detail}, dưới mức tối thiểu (SHA-224 trở lên).",
        "Ký lại bằng RSA-SHA256 hoặc ECDSA-SHA256.",
    ),
    "weak_key": (
        "Khóa ký ({detail}) dưới mức tối thiểu (RSA từ 2048 bit, ECDSA từ 256 bit).",
        "Cấp chứng thư số có khóa đủ mạnh và ký lại.",
    ),
    "signing_time_missing": (
        "Chữ ký không có thời điểm ký (SigningTime) được ký kèm trong SignatureProperties.",
        "Ký lại bằng phần mềm ghi SigningTime và tham chiếu nó trong chữ ký.",
    ),
    "signing_time_malformed": (
        "Thời điểm ký '{detail}' không đúng định dạng YYYY-MM-DDThh:mm:ss.",
        "Ký lại bằng phần mềm ghi SigningTime đúng định dạng.",
    ),
    # document level
    "missing_signature": (
        "Học bạ thiếu chữ ký của {role}.",
        "Đề nghị {role} ký số học bạ.",
    ),
    "unexpected_signature": (
        "Tệp có chữ ký nằm ngoài các ô ký theo vai trò ({detail}).",
        "Kiểm tra nguồn gốc tệp; xuất lại học bạ từ phần mềm quản lý.",
    ),
    "unreadable": (
        "Tệp bị từ chối: {detail}",
        "Xuất lại tệp học bạ từ phần mềm quản lý; không xử lý tệp này bằng công cụ khác.",
    ),
    "not_a_record": (
        "Tệp không phải học bạ số theo lược đồ đang dùng ({detail}).",
        "Kiểm tra lại tệp; chỉ nộp tệp học bạ XML xuất từ phần mềm quản lý.",
    ),
    "schema_invalid": (
        "Tệp không đúng lược đồ học bạ số ({detail} lỗi).",
        "Sửa dữ liệu trong phần mềm quản lý, xuất lại và ký lại học bạ.",
    ),
}


def explain(code: str, **params: object) -> tuple[str, str]:
    """(explanation, action) in Vietnamese for finding ``code``, NFC-normalised."""
    params = {k: ("" if v is None else v) for k, v in params.items()}
    role = params.get("role")
    if isinstance(role, str):
        params["role"] = ROLE_VI.get(role, role)
    for key in ("group", "allowed"):
        v = params.get(key)
        if isinstance(v, str):
            params[key] = " hoặc ".join(GROUP_VI.get(g, g) for g in v.split(","))
    explanation, action = MESSAGES[code]
    fields = _Fields(params)
    return (unicodedata.normalize("NFC", explanation.format_map(fields)),
            unicodedata.normalize("NFC", action.format_map(fields)))


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        return ""
