from byline.http.headers import SECURITY_HEADERS, apply_standard_headers, set_header


def test_security_headers_are_added_to_multi_value_responses():
    response = {"statusCode": 200, "multiValueHeaders": {"Content-Type": ["application/json"]}}
    apply_standard_headers(response, "req-9")
    headers = response["multiValueHeaders"]
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == [value]
    assert headers["X-Request-Id"] == ["req-9"]
    assert headers["Cache-Control"] == ["no-store"]


def test_a_route_chosen_cache_control_is_kept():
    response = {"statusCode": 200, "multiValueHeaders": {"cache-control": ["public, max-age=60"]}}
    apply_standard_headers(response, None)
    assert response["multiValueHeaders"]["cache-control"] == ["public, max-age=60"]
    assert "Cache-Control" not in response["multiValueHeaders"]


def test_set_header_replaces_case_insensitively_in_single_value_maps():
    response = {"headers": {"content-type": "text/plain"}}
    set_header(response, "Content-Type", "application/json")
    assert response["headers"] == {"Content-Type": "application/json"}
