"""The public application form, built by Wagtail's form builder from the page's fields."""

import uuid

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from wagtail.contrib.forms.forms import BaseForm, FormBuilder, WagtailAdminFormPageForm

from portal.text import clean_line, clean_text

from . import roles, throttle, uploads
from .roles import Role
from .submission import DUPLICATE_MESSAGE, duplicate_of

SPAM_MESSAGE = "提交未被接受，请刷新页面后重试。"
TOO_FREQUENT = "提交过于频繁，请稍后再试。"


def validate_cn_mobile(value):
    """A mainland China mobile number, judged by the number plan (phonenumbers), not by a pattern."""
    digits = "".join(ch for ch in value if ch.isdigit() or ch == "+")
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValidationError("请填写有效的11位中国大陆手机号码（如 13812345678）。", code="mobile")


def normalise_mobile(value):
    number = phonenumbers.parse("".join(ch for ch in value if ch.isdigit() or ch == "+"), "CN")
    return str(number.national_number)


class PlainTextField(forms.CharField):
    """Text as people type or paste it, cleaned of control and invisible characters, with Chinese messages."""

    def __init__(self, multiline=False, **kwargs):
        self.clean_value = clean_text if multiline else clean_line
        super().__init__(**kwargs)
        for validator in self.validators:
            if isinstance(validator, MaxLengthValidator):
                validator.message = f"“{self.label}”不能超过 %(limit_value)d 个字（现在是 %(show_value)d 个字）。"

    def to_python(self, value):
        return self.clean_value(super().to_python(value))


class MobileField(PlainTextField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.validators.append(validate_cn_mobile)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        return normalise_mobile(value) if value else value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class UploadField(forms.FileField):
    def __init__(self, rule, **kwargs):
        self.rule = rule
        kwargs.setdefault("widget", forms.ClearableFileInput)
        kwargs["error_messages"] = {
            "empty": "所选文件是空文件，请重新选择。",
            "invalid": "没有收到文件，请重新选择。",
            "missing": "没有收到文件，请重新选择。",
            "max_length": "文件名太长，请改短后重新选择。",
            "contradiction": "请选择文件，或勾选清除，不能同时进行。",
            **kwargs.get("error_messages", {}),
        }
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ",".join(f".{e}" for e in rule.extensions)
        editor_text = str(self.help_text or "").strip().rstrip("。；;，, ")
        self.help_text = f"{editor_text}。{rule.describe()}" if editor_text else rule.describe()

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded:
            self.rule.validate(uploaded)
        return uploaded


class MultipleUploadField(UploadField):
    def __init__(self, rule, **kwargs):
        kwargs["widget"] = MultipleFileInput
        super().__init__(rule, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        errors = []
        for uploaded in files:
            try:
                forms.FileField.clean(self, uploaded, initial)
                self.rule.validate(uploaded)
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return files


class ApplicationFormBuilder(FormBuilder):
    """Adds file fields, and gives core-role fields their behaviour: the unit and category choices come
    from the call's content, phones are validated, the summary is limited to 1000 characters."""

    def __init__(self, fields, page=None):
        super().__init__(fields)
        self.page = page

    def get_field_options(self, field):
        options = super().get_field_options(field)
        verb = "选择" if field.field_type in ("dropdown", "radio", "file", "files", "checkboxes", "multiselect") else "填写"
        options["error_messages"] = {
            "required": f"请{verb}“{field.label}”。",
            "invalid_choice": f"请从列表中选择“{field.label}”。",
        }
        return options

    def create_file_field(self, field, options):
        return UploadField(field.upload_rule(), **options)

    def create_files_field(self, field, options):
        return MultipleUploadField(field.upload_rule(), **options)

    def create_dropdown_field(self, field, options):
        choices = self.role_choices(field)
        if choices is None:
            return super().create_dropdown_field(field, options)
        options["choices"] = [("", "请选择")] + choices
        return forms.ChoiceField(**options)

    def create_radio_field(self, field, options):
        if field.role == Role.FURONG:
            options["choices"] = roles.furong_choices(field)
            return forms.ChoiceField(widget=forms.RadioSelect, **options)
        return super().create_radio_field(field, options)

    def create_singleline_field(self, field, options):
        if field.role in roles.PHONE_ROLES:
            return MobileField(**options)
        return PlainTextField(max_length=255, **options)

    def create_multiline_field(self, field, options):
        # A line break counts as one character, whatever the browser sent (clean_text folds \r\n).
        options["widget"] = forms.Textarea(attrs={"rows": 10 if field.role == Role.SUMMARY else 5})
        max_length = roles.SUMMARY_MAX_CHARS if field.role == Role.SUMMARY else 5000
        return PlainTextField(multiline=True, max_length=max_length, **options)

    def role_choices(self, field):
        if self.page is None:
            return None
        if field.role == Role.UNIT:
            return [(name, name) for name in self.page.call.unit_names()]
        if field.role == Role.CATEGORY:
            return [(title, title) for title in self.page.call.category_titles()]
        return None

    def get_form_class(self):
        return type("ApplicationForm", (ApplicationBaseForm,), self.formfields)


class ApplicationBaseForm(BaseForm):
    """Fields every application form has besides the editor's: a once-only token, a honeypot and consent."""

    submission_token = forms.UUIDField(
        label="提交编号",
        widget=forms.HiddenInput,
        error_messages={"required": "页面已过期，请刷新后重新提交。", "invalid": "页面已过期，请刷新后重新提交。"},
    )
    website = forms.CharField(
        required=False,
        label="网址（请勿填写）",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label="我已阅读并同意上述个人信息处理说明",
        error_messages={"required": "请阅读个人信息处理说明并勾选同意后再提交。"},
    )
    resume_email = forms.EmailField(
        required=False,
        max_length=254,
        label="接收“继续填写”链接的邮箱（选填）",
        help_text="暂存时填写：系统把继续填写草稿的链接发到这个邮箱。不填也可以凭申报编号和负责人手机号码继续填写。",
        error_messages={"invalid": "请填写有效的邮箱地址，如 school@example.com。",
                        "max_length": "邮箱地址不超过 254 个字符，请核对后重新填写。"},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, request=None, state=None, drafting=False, **kwargs):
        # The request being answered, if any: complete applications are throttled per client address.
        self.request = request
        # The form's token, draft and files uploaded ahead (drafts.FormState), or None.
        self.state = state
        # Saving a draft (暂存): the fields are kept as typed, nothing else is decided.
        self.drafting = drafting
        # The status to answer a refused form with (400 for the honeypot, 429 when throttled); None: 200.
        self.refusal_status = None
        self._chosen_uploads = {}
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", state.token if state else uuid.uuid4())
            if state and state.draft:
                self.initial.update(state.draft.form_data, resume_email=state.draft.email)
        # A file field already holding files uploaded ahead needs no file in this POST.
        self._files_required = set()
        for name, field in self.fields.items():
            if isinstance(field, UploadField) and state and state.uploads_of(name):
                if field.required:
                    self._files_required.add(name)
                field.required = False
        # The token, honeypot, consent and e-mail go last, after the editor's fields.
        for name in ("resume_email", "website", "consent", "submission_token"):
            self.fields[name] = self.fields.pop(name)

    def full_clean(self):
        super().full_clean()
        # Point each invalid input at its error message as well as its help text, for screen readers.
        for name in self.errors:
            if name in self.fields:
                field = self.fields[name]
                ids = ([f"id_{name}_helptext"] if field.help_text else []) + [f"id_{name}-error"]
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    @property
    def is_spam(self):
        return bool(self.data.get("website"))

    def clean(self):
        cleaned = super().clean()
        if self.drafting:
            return cleaned
        files = []
        for name, field in self.fields.items():
            if isinstance(field, UploadField):
                posted = cleaned.get(name) or []
                posted = posted if isinstance(posted, list) else [posted]
                files.extend(posted)
                files.extend(self._choose_uploads(name, field, bool(posted)))
        if files:
            try:
                uploads.check_total(f.size for f in files)
            except ValidationError as error:
                self.add_error(None, error)
        self._refuse_duplicate(cleaned)
        if self.is_spam:
            self.add_error(None, SPAM_MESSAGE)
            self.refusal_status = 400
        elif not self._errors and self._throttled():
            # Only complete applications count: a school correcting its mistakes is not throttled.
            self.add_error(None, TOO_FREQUENT)
            self.refusal_status = 429
        return cleaned

    def _choose_uploads(self, name, field, posted):
        """The files uploaded ahead that this field submits (checked whole now if their task has not run yet);
        errors for those unfinished or refused, and for a required field left with no file at all."""
        from ..models import Upload
        from . import direct

        chosen = []
        for upload in self.state.uploads_of(name) if self.state else []:
            if upload.state == Upload.State.CHECKING:
                upload = direct.check_whole(upload)
            if upload.state == Upload.State.UPLOADING:
                self.add_error(name, f"文件“{upload.original_name}”尚未上传完成：请重新选择该文件继续上传，或将其删除。")
            elif upload.state == Upload.State.REFUSED:
                self.add_error(name, f"文件“{upload.original_name}”{upload.problem}")
            elif upload.state == Upload.State.ACCEPTED:
                chosen.append(upload)
            else:
                self.add_error(name, f"文件“{upload.original_name}”正在检查，请稍候再提交。")
        if not isinstance(field, MultipleUploadField):
            # One file: the one posted now, else the last one uploaded.
            chosen = [] if posted else chosen[-1:]
        if name in self._files_required and not posted and not chosen and name not in self.errors:
            self.add_error(name, field.error_messages["required"])
        self._chosen_uploads[name] = chosen
        return chosen

    def uploads_by_field(self):
        """{field name: [Upload, …]}: the files uploaded ahead that this submission takes (see clean)."""
        return {name: chosen for name, chosen in self._chosen_uploads.items() if chosen}

    def _throttled(self):
        return self.request is not None and throttle.throttled(self.request, "apply", settings.PORTAL_SUBMIT_RATE)

    def _refuse_duplicate(self, cleaned):
        """An early, friendly answer; the database constraint is what holds (submission.Duplicate)."""
        page = getattr(self, "page", None)
        if page is None:
            return
        names = page.role_field_names()
        school, project = cleaned.get(names.get(Role.SCHOOL)), cleaned.get(names.get(Role.PROJECT))
        token = cleaned.get("submission_token")
        if school and project and token and duplicate_of(page, school, project, token):
            self.add_duplicate_error()

    def add_duplicate_error(self):
        names = self.page.role_field_names()
        school = (self.cleaned_data.get(names.get(Role.SCHOOL)) or "").strip()
        project = (self.cleaned_data.get(names.get(Role.PROJECT)) or "").strip()
        self.add_error(names[Role.PROJECT], DUPLICATE_MESSAGE.format(school=school, project=project))

    def files_by_field(self):
        """{field name: [UploadedFile, …]} for the upload fields that received files."""
        result = {}
        for name, field in self.fields.items():
            if isinstance(field, UploadField):
                value = self.cleaned_data.get(name)
                if value:
                    result[name] = value if isinstance(value, list) else [value]
        return result


class ApplicationFormPageAdminForm(WagtailAdminFormPageForm):
    """Publishing needs every core role; drafts may be incomplete."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("form_fields")
        if formset is None or not hasattr(formset, "cleaned_data"):
            return cleaned
        fields = [
            form.instance
            for form in formset.forms
            if form.is_valid() and not (formset.can_delete and formset._should_delete_form(form))
        ]
        problems = roles.missing_roles(fields)
        if problems and "action-publish" in self.data:
            raise ValidationError("表单缺少核心字段，不能发布：" + "；".join(problems) + "。")
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if "action-publish" in self.data:
            if not opens:
                self.add_error("opens_at", "发布前请填写申报开始时间。")
            parent = self.parent_page or self.instance.get_parent()
            if not closes and not getattr(parent.specific if parent else None, "deadline", None):
                self.add_error("closes_at", "发布前请填写截止时间，或在通知中填写申报截止时间。")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "截止时间必须晚于开始时间。")
        return cleaned


class StatusLookupForm(forms.Form):
    reference = forms.CharField(
        label="申报编号", max_length=40, help_text="提交成功后页面上显示的编号，如 2019-4AC7-KQ9M。",
        error_messages={"required": "请填写“申报编号”。", "max_length": "申报编号不超过 40 个字符，请核对后重新填写。"},
    )
    mobile = forms.CharField(
        label="负责人手机号码", max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}),
        error_messages={"required": "请填写“负责人手机号码”。", "max_length": "请填写 11 位手机号码。"},
    )


class ScanUploadForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scan"] = UploadField(
            uploads.UploadRule(uploads.SCAN_EXTENSIONS, uploads.max_file_bytes()),
            label="申请表盖章扫描件",
            help_text="打印申请表，签字并加盖公章后扫描上传",
            error_messages={"required": "请选择“申请表盖章扫描件”。"},
        )
