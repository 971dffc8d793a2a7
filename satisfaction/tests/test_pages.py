import pytest

pytestmark = pytest.mark.django_db


def test_home_is_in_vietnamese_with_a_code_box(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Bắt đầu khảo sát" in html
    assert 'name="code"' in html


def test_home_switches_to_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Start the survey" in html


def test_login_page_is_styled_and_vietnamese(client):
    html = client.get("/accounts/login/").content.decode()
    assert "Đăng nhập" in html
    assert "bootstrap.min.css" in html


def test_staff_can_sign_in_and_out(client, city):
    response = client.post("/accounts/login/", {"username": "alice", "password": city.password})
    assert response.status_code == 302
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_english_browser_still_gets_vietnamese_until_the_switch(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert '<html lang="en">' in html


def test_an_unreachable_database_gives_a_503_that_says_to_try_again(client, monkeypatch):
    from django.db import OperationalError

    import surveys.citizen.forms

    def unreachable(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(surveys.citizen.forms, "CodeEntryForm", unreachable)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    html = response.content.decode()
    assert "Hệ thống đang bận" in html
    assert "chưa được lưu" in html
