"""The scan that every test runs through: it must catch what it claims to catch."""

from django.http import FileResponse, HttpResponse
from django.test import RequestFactory

from tests.hardening import response_scan
from tests.hardening.response_scan import (
    find_inline_code,
    find_personal_data,
    id_check_digit,
    is_valid_id_number,
    scan_response,
)

VALID_ID = "11010519491231002X"


def test_valid_id_number_is_found_and_reported_masked():
    assert is_valid_id_number(VALID_ID)
    assert find_personal_data(f"<td>{VALID_ID}</td>") == ["ID 110105…002X"]


def test_id_with_wrong_check_digit_is_not_a_leak():
    wrong = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    assert find_personal_data(wrong) == []


def test_masked_id_and_phone_are_not_leaks():
    assert find_personal_data("110105********002X 138****5678") == []


def test_phone_inside_a_token_is_not_a_leak():
    assert find_personal_data("csrf=ab13812345678cd") == []
    assert find_personal_data("电话：13812345678。") == ["phone 138…5678"]


def test_check_digit_of_the_standard_example():
    assert id_check_digit("11010519491231002") == "X"


def test_inline_script_handler_style_and_javascript_url_are_found():
    html = (
        '<script>alert(1)</script><a href="javascript:go()">x</a>'
        '<div onclick="x()" style="color:red"></div><style>p{}</style>'
    )
    problems = find_inline_code(html)
    assert len(problems) == 5


def test_external_script_and_json_data_are_allowed():
    html = (
        '<script src="/static/js/app.js"></script>'
        '<script type="application/json" id="d">{"a": 1}</script>'
    )
    assert find_inline_code(html) == []


def test_scan_records_a_leak_with_its_url(db):
    request = RequestFactory().get("/households/")
    response = HttpResponse(f"<p>{VALID_ID}</p>", content_type="text/html")
    scan_response(request, response)
    leaks = list(response_scan.RECORDER.leaks)
    response_scan.RECORDER.reset()
    assert [h.what for h in leaks] == ["ID 110105…002X"]
    assert "GET /households/" in leaks[0].where


def test_scan_reads_a_streamed_csv_and_hands_the_bytes_back(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("name,phone\n张三,13812345678\n".encode())
    request = RequestFactory().get("/export.csv")
    with open(path, "rb") as handle:
        response = FileResponse(handle, content_type="text/csv")
        scan_response(request, response)
    leaks = list(response_scan.RECORDER.leaks)
    response_scan.RECORDER.reset()
    assert [h.what for h in leaks] == ["phone 138…5678"]
    assert b"".join(response.streaming_content).endswith(b"13812345678\n")
