"""The admin speaks Finnish (issue 21, item 11): every app, model, field and column is translated, and
accounts leave only by erasure (no plain "delete selected users")."""
import html
import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.urls import reverse
from django.utils import translation
from django.utils.text import camel_case_to_spaces, capfirst

pytestmark = pytest.mark.django_db

# Labels that are the same word in Finnish and English.
SAME_IN_FINNISH = {"ID", "Axes"}


def default_label(name: str) -> str:
    return name.replace("_", " ")


def english_labels() -> set[str]:
    """Everything the admin would show in English: Django's made-up defaults ("Name fi", "Situation summarys")
    and the English source of every label (what an untranslated msgid shows)."""
    labels = set()
    with translation.override("en"):
        for model, model_admin in admin.site._registry.items():
            opts = model._meta
            made_up = camel_case_to_spaces(opts.object_name)
            labels |= {made_up, made_up + "s", str(opts.verbose_name), str(opts.verbose_name_plural),
                       str(opts.app_config.verbose_name), opts.app_label}
            for field in opts.get_fields():
                if hasattr(field, "verbose_name") and field.concrete:
                    labels |= {default_label(field.name), str(field.verbose_name)}
            for name in model_admin.list_display:
                labels.add(str(label_for_field(name, model, model_admin)))
    return {capfirst(label) for label in labels} - SAME_IN_FINNISH


@pytest.fixture
def admin_client_fi(client, users, phenomena):
    client.force_login(users["admin"])
    client.cookies["django_language"] = "fi"
    return client


def texts(page: str, pattern: str) -> list[str]:
    """The visible text of each element the pattern matches (tags stripped, whitespace collapsed)."""
    found = []
    for chunk in re.findall(pattern, page, re.S):
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", chunk))).strip()
        if text:
            found.append(text)
    return found


def test_every_field_and_model_of_the_registered_models_has_a_finnish_label():
    untranslated = []
    english = english_labels()
    with translation.override("fi"):
        for model in admin.site._registry:
            opts = model._meta
            for label in (opts.verbose_name, opts.verbose_name_plural, opts.app_config.verbose_name):
                if capfirst(str(label)) in english:
                    untranslated.append(f"{opts.label}: {label}")
            for field in opts.get_fields():
                if not (hasattr(field, "verbose_name") and field.concrete) or field.name == "id":
                    continue
                if capfirst(str(field.verbose_name)) in english:
                    untranslated.append(f"{opts.label}.{field.name}: {field.verbose_name}")
                help_text = str(getattr(field, "help_text", ""))
                with translation.override("en"):
                    english_help = str(getattr(field, "help_text", ""))
                if help_text and help_text == english_help:
                    untranslated.append(f"{opts.label}.{field.name} help: {help_text}")
    assert untranslated == []


def page_labels(client, url: str, language: str) -> list[str]:
    """Headings, column titles, filter titles, captions and action names of one admin page."""
    client.cookies["django_language"] = language
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    page = response.content.decode()
    return (texts(page, r"<h1>(.*?)</h1>") + texts(page, r"<caption>(.*?)</caption>")
            + texts(page, r'<th scope="(?:col|row)"[^>]*>(.*?)</th>') + texts(page, r"<h3>(.*?)</h3>")
            + texts(page, r"<summary>(.*?)</summary>") + texts(page, r'<option value="[a-z_]+">(.*?)</option>'))


def test_the_admin_index_and_every_changelist_in_finnish_show_no_english_labels(admin_client_fi):
    """In Finnish, nothing on the index or a changelist is one of the English defaults ("Name fi",
    "Is active", "Situation summarys"), nor the same text as on the English page."""
    english = english_labels()
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry]
    problems = []
    for url in urls:
        finnish = page_labels(admin_client_fi, url, "fi")
        on_english_page = set(page_labels(admin_client_fi, url, "en")) - SAME_IN_FINNISH
        assert finnish, url
        problems += [f"{url}: {label}" for label in finnish
                     if label in english or label in on_english_page or "summarys" in label.lower()]
    assert sorted(set(problems)) == [], "\n".join(sorted(set(problems)))
    assert "Tilannekuvat" in page_labels(admin_client_fi, reverse("admin:index"), "fi")


def test_accounts_are_removed_only_by_erasure(admin_client_fi, users):
    page = admin_client_fi.get("/admin/auth/user/").content.decode()
    actions = re.findall(r'<option value="(\w+)"', re.search(r'<select name="action".*?</select>', page, re.S).group(0))
    assert actions == ["erase_accounts"]
    change = admin_client_fi.get(f"/admin/auth/user/{users['field_698'].pk}/change/").content.decode()
    assert "/delete/" not in change
    response = admin_client_fi.post(f"/admin/auth/user/{users['field_698'].pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert type(users["field_698"]).objects.filter(pk=users["field_698"].pk).exists()
