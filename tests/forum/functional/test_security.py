"""Security baseline of the HTML side: headers, cookies, CSRF, XSS, CSP-clean templates and
permission failures."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from forum import services
from forum.extensions import db
from forum.models import Post, Role, Thread
from tests.conftest import PASSWORD, login

HOSTILE = """Hi <script>alert('body')</script>
<img src="x" onerror="alert('img')">
<a href="javascript:alert('link')">click</a> [md link](javascript:alert('md'))
<a href="JaVaScRiPt:alert(1)">mixed case</a> <a href="data:text/html,<script>x</script>">data</a>
<div style="background:url(javascript:alert(1))" onclick="alert(2)">styled</div>
<svg onload="alert(3)"></svg><iframe src="https://evil.example"></iframe>
"""


class _Audit(HTMLParser):
    """Collects everything in a page that could run script or break the CSP."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not (attrs.get("src") or "").startswith("/static/"):
            self.problems.append(f"script {attrs}")
        if tag in ("iframe", "object", "embed"):
            self.problems.append(tag)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name == "style":
                self.problems.append(f"{tag} style=")
            if name in ("href", "src", "action") and value:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"{tag} {name}={value}")


def _audit(html: str) -> list[str]:
    parser = _Audit()
    parser.feed(html)
    return parser.problems


def _html(response) -> str:
    return response.get_data(as_text=True)


# -- headers and cookies -----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/login", "/t/999", "/search?q=x"])
def test_security_headers_present_on_pages(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]


def test_session_cookie_httponly_and_samesite_lax(client, factory):
    user = factory.user()
    response = client.post("/login", data={"login": user.username, "password": PASSWORD,
                                           "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("session=", "remember_token="):
        cookie = next(c for c in cookies if c.startswith(name))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


# -- CSRF --------------------------------------------------------------------------------------
def _csrf_token(client, path: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                     _html(client.get(path))).group(1)


def test_csrf_post_without_token_is_400_and_creates_nothing(make_app, factory):
    user, category = factory.user("alice"), factory.category()
    guarded = make_app(WTF_CSRF_ENABLED=True)
    with guarded.app_context():
        client = guarded.test_client()
        assert client.post("/login", data={"login": "alice", "password": PASSWORD}
                           ).status_code == 400
        token = _csrf_token(client, "/login")
        signed_in = client.post("/login", data={"login": "alice", "password": PASSWORD,
                                                "csrf_token": token})
        assert signed_in.status_code == 303
        data = {"title": "A question sent without a token?", "category": category.id,
                "body": "body"}
        assert client.post("/ask", data=data).status_code == 400
        assert client.post("/logout").status_code == 400
        assert db.session.scalar(select(func.count(Thread.id))) == 0
        good = client.post("/ask", data={**data, "csrf_token": _csrf_token(client, "/ask")})
        assert good.status_code == 303
    assert user.id


def test_csrf_button_forms_carry_token(make_app, factory):
    author = factory.user("alice")
    thread = factory.thread(author)
    factory.reply(thread)
    guarded = make_app(WTF_CSRF_ENABLED=True)
    with guarded.app_context():
        client = guarded.test_client()
        client.post("/login", data={"login": "alice", "password": PASSWORD,
                                    "csrf_token": _csrf_token(client, "/login")})
        html = _html(client.get(f"/t/{thread.id}"))
    forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', html, re.S)
    assert len(forms) >= 4  # sign out, follow, accept, edit/delete, reply...
    assert all('name="csrf_token"' in body for body in forms)


# -- XSS ---------------------------------------------------------------------------------------
def test_xss_hostile_post_is_not_executable_on_thread_page(client, factory):
    author = factory.user("mallory")
    thread = factory.thread(author, title="<script>alert('title')</script> title?",
                            body=HOSTILE)
    factory.reply(thread, body=HOSTILE)
    html = _html(client.get(f"/t/{thread.id}"))
    assert _audit(html) == []
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html
    assert "mixed case" in html  # the text survives, the scheme does not


def test_xss_hostile_display_name_is_escaped_everywhere(client, factory):
    evil = factory.user("evil", display_name='<img src=x onerror="alert(1)">')
    thread = factory.thread(evil, title="An innocent question here?")
    for path in ("/", f"/t/{thread.id}", "/u/evil", "/threads"):
        html = _html(client.get(path))
        assert _audit(html) == [], path
        assert "&lt;img src=x onerror=" in html


def test_xss_search_snippet_and_query_are_escaped(client, factory):
    factory.thread(title="Escaping in search results?", body="<b onmouseover=alert(1)>bold</b>")
    html = _html(client.get('/search?q=escaping"><script>alert(1)</script>'))
    assert _audit(html) == []


# -- CSP-clean templates -----------------------------------------------------------------------
def test_pages_have_no_inline_script_or_style_attributes(client, factory):
    admin = factory.user("root", role=Role.ADMIN)
    thread = factory.thread(admin)
    post = factory.reply(thread)
    services.accept_answer(post, actor=admin)
    login(client, admin)
    paths = ["/", "/threads", f"/t/{thread.id}", "/ask", "/settings", "/notifications",
             "/search?q=thing", "/search", "/u/root", f"/p/{post.id}/edit",
             f"/p/{post.id}/history", "/admin", "/admin/users", "/t/999"]
    for path in paths:
        html = _html(client.get(path))
        assert _audit(html) == [], path
        assert not re.search(r"<style[\s>]", html), path


# -- permissions -------------------------------------------------------------------------------
def test_permission_customer_cannot_edit_or_delete_others_posts(client, factory):
    victim = factory.user("victim")
    thread = factory.thread(victim)
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    login(client, factory.user("mallory"))
    assert client.post(f"/p/{question.id}/edit", data={"body": "pwned"}).status_code == 403
    assert client.post(f"/p/{question.id}/delete").status_code == 403
    assert "pwned" not in _html(client.get(f"/t/{thread.id}"))


def test_permission_moderator_may_edit_others_posts(client, factory):
    thread = factory.thread()
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    login(client, factory.user("mod", role=Role.MODERATOR))
    response = client.post(f"/p/{question.id}/edit",
                           data={"title": thread.title, "body": "Tidied by a moderator."})
    assert response.status_code == 303
    assert question.body_source == "Tidied by a moderator."


def test_permission_403_page_is_friendly_and_extends_base(client, factory):
    login(client, factory.user())
    html = _html(client.get("/admin"))
    assert "You can’t do that here" in html and 'class="site-header"' in html


# -- error pages -------------------------------------------------------------------------------
def test_error_500_page_is_friendly_without_details(make_app):
    broken = make_app(PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("secret internals")

    broken.add_url_rule("/boom", view_func=boom)
    with broken.app_context():
        response = broken.test_client().get("/boom")
    html = _html(response)
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and "secret internals" not in html
    assert 'class="site-header"' in html


def test_error_generic_page_for_other_statuses_extends_base(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Method Not Allowed" in _html(response) and 'class="site-header"' in _html(response)
