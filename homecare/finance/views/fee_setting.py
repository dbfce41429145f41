"""Fee-setting pages: uplift scenarios, cost-of-care models, wage floors and reference prices.

Thin views: scope → selector/service → render. A record of another council (or of no council) is a 404
from the selector; a role at the council that may not set fees (`permissions.sets_fees`) then gets a 403.
A rejected form is answered 400 with the GOV.UK error summary. The forms here are validation only; the
rules are in finance.fee_setting's services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.models import model_to_dict
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from homecare.accounts import permissions
from homecare.finance import fee_setting
from homecare.finance import selectors_fee_setting as selectors
from homecare.finance.models import CostOfCareModel, ReferencePrice, UpliftScenario, WageFloor
from homecare.govuk_forms.forms import GovukDateField, GovukForm, GovukModelForm, add_service_errors
from homecare.providers.models import AreaType

# --- forms (validation only) --------------------------------------------------------------------


def _message_name(label: str) -> str:
    """The label without its unit in brackets: Django %-formats some messages, so they carry no "%"."""
    name = re.sub(r"\s*\([^)]*\)", "", label).strip() or "The number"
    return name[0].upper() + name[1:]


def _decimal(label: str, *, low, high, places: int = 2, digits: int = 5, **kwargs) -> forms.DecimalField:
    name = _message_name(label)
    return forms.DecimalField(
        label=label,
        min_value=Decimal(low),
        max_value=Decimal(high),
        max_digits=digits,
        decimal_places=places,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "required": f"Enter the {name[0].lower()}{name[1:]}",
            "invalid": f"{name} must be a number",
            "min_value": f"{name} must be {low} or more",
            "max_value": f"{name} must be {high} or less",
            "max_digits": f"{name} must be {high} or less",
            "max_whole_digits": f"{name} must be {high} or less",
            "max_decimal_places": f"{name} can have up to {places} decimal places",
        },
        **kwargs,
    )


class ScenarioForm(GovukForm):
    name = forms.CharField(label="Name", max_length=120, help_text="For example, 2026-27 annual uplift")
    framework = forms.ModelChoiceField(
        label="Framework",
        queryset=None,  # the council's frameworks, set per request
        empty_label="Choose a framework",
        error_messages={"required": "Choose a framework", "invalid_choice": "Choose one of your frameworks"},
    )
    effective_from = GovukDateField(
        label="New rates from",
        help_text="Usually 1 April, when the National Living Wage rises. For example, 1 4 2026",
    )
    pay_share_percent = _decimal(
        "Pay share of the rate (%)",
        low=0,
        high=100,
        initial=Decimal("60"),
        help_text="The part of each hourly rate that is care workers' pay. It rises with the wage floors",
    )
    pension_percent = _decimal(
        "Employer pension on the pay increase (%)",
        low=0,
        high=100,
        initial=Decimal("3"),
        help_text="The auto-enrolment employer minimum is 3% of qualifying earnings",
    )
    non_pay_inflation_percent = _decimal(
        "Non-pay inflation (%)",
        low=-100,
        high=100,
        initial=Decimal("0"),
        help_text="Applied to the rest of the rate (running costs, mileage), usually CPI",
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    input_widths = {
        "pay_share_percent": "govuk-input--width-4",
        "pension_percent": "govuk-input--width-4",
        "non_pay_inflation_percent": "govuk-input--width-4",
    }

    def __init__(self, *args, frameworks, floor_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks
        choices = [("", "Not used")] + [(n, n) for n in floor_names]
        for n in range(1, fee_setting.MAX_BANDS + 1):
            self.fields[f"band_{n}_floor"] = forms.ChoiceField(
                label=f"Wage band {n}",
                choices=choices,
                required=False,
                error_messages={"invalid_choice": "Choose a wage floor from the list"},
            )
            self.fields[f"band_{n}_share"] = _decimal(
                f"Band {n} share of care workers (%)", low="0.01", high=100, required=False
            )
            self.fields[f"band_{n}_floor"].widget.attrs["class"] = "govuk-select"
            self.fields[f"band_{n}_share"].widget.attrs["class"] = "govuk-input govuk-input--width-4"

    def clean_effective_from(self):
        day = self.cleaned_data["effective_from"]
        if not fee_setting.EARLIEST_RATE_DATE <= day <= fee_setting.LATEST_RATE_DATE:
            raise ValidationError("Enter a date from 2000 to 2099")
        return day

    @property
    def main_fields(self):
        return [self[name] for name in ("name", "framework", "effective_from")]

    @property
    def term_fields(self):
        return [self[name] for name in ("pay_share_percent", "pension_percent", "non_pay_inflation_percent")]

    @property
    def band_rows(self):
        return [
            (self[f"band_{n}_floor"], self[f"band_{n}_share"]) for n in range(1, fee_setting.MAX_BANDS + 1)
        ]

    def clean(self):
        data = super().clean()
        bands = []
        for n in range(1, fee_setting.MAX_BANDS + 1):
            floor, share = data.get(f"band_{n}_floor"), data.get(f"band_{n}_share")
            if f"band_{n}_share" in self.errors or f"band_{n}_floor" in self.errors:
                continue
            if floor and share is None:
                self.add_error(f"band_{n}_share", f"Enter the share of care workers on {floor}")
            elif share is not None and not floor:
                self.add_error(f"band_{n}_floor", f"Choose the wage floor for band {n}")
            elif floor:
                bands.append(fee_setting.BandChoice(floor, share))
        if not self.errors:
            problem = fee_setting.workforce_mix_problem([b.share_percent for b in bands])
            if problem:
                self.add_error(None, problem)
        data["bands"] = bands
        return data

    SERVICE_FIELDS = (
        "framework",
        "name",
        "effective_from",
        "bands",
        "pay_share_percent",
        "non_pay_inflation_percent",
        "pension_percent",
        "notes",
    )

    def service_kwargs(self) -> dict:
        """The keyword arguments of fee_setting.scenario_create / scenario_update."""
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


def scenario_initial(scenario: UpliftScenario) -> dict:
    initial = model_to_dict(
        scenario,
        fields=[
            "name",
            "framework",
            "effective_from",
            "pay_share_percent",
            "pension_percent",
            "non_pay_inflation_percent",
            "notes",
        ],
    )
    for n, band in enumerate(scenario.bands.all(), start=1):
        initial[f"band_{n}_floor"] = band.wage_floor_name
        initial[f"band_{n}_share"] = band.share_percent
    return initial


class AgreeForm(GovukForm):
    confirm = forms.BooleanField(
        label="The council has agreed these rates",
        error_messages={"required": "Confirm the council has agreed these rates"},
    )
    add_rate_cards = forms.BooleanField(label="Add the proposed rates to the framework", required=False)


def _bound(field: forms.Field, low: Decimal, high: Decimal) -> None:
    """Range checks with messages a person can act on (the database's own checks read like code)."""
    name = _message_name(str(field.label or ""))
    field.validators += [
        MinValueValidator(low, f"{name} must be {low.normalize():f} or more"),
        MaxValueValidator(high, f"{name} must be {high.normalize():f} or less"),
    ]
    field.error_messages["required"] = f"Enter the {name[0].lower()}{name[1:]}"
    field.error_messages["max_digits"] = f"{name} must be {high.normalize():f} or less"
    field.error_messages["max_whole_digits"] = field.error_messages["max_digits"]
    field.error_messages["max_decimal_places"] = f"{name} has too many decimal places"
    field.error_messages["invalid"] = f"{name} must be a number"
    field.widget.attrs["inputmode"] = "decimal"


class CostModelForm(GovukModelForm):
    class Meta:
        model = CostOfCareModel
        fields = ["name", "area_type", *fee_setting.DRIVER_FIELDS, "notes"]
        widgets = {"area_type": forms.RadioSelect, "notes": forms.Textarea(attrs={"rows": 3})}

    input_widths = {name: "govuk-input--width-5" for name in fee_setting.DRIVER_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_type"].choices = AreaType.choices
        for name in fee_setting.DRIVER_FIELDS:
            _bound(self.fields[name], *fee_setting.DRIVER_BOUNDS[name])


class WageFloorForm(GovukModelForm):
    effective_from = GovukDateField(label="From", help_text="For example, 1 4 2026")
    source_url = forms.URLField(
        label="Source (optional)",
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text="Where the rate is published, like https://www.gov.uk/national-minimum-wage-rates",
    )

    class Meta:
        model = WageFloor
        fields = ["name", "hourly_amount", "effective_from", "source_url"]
        labels = {"hourly_amount": "£ an hour"}

    input_widths = {"hourly_amount": "govuk-input--width-5"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bound(self.fields["hourly_amount"], Decimal("0.01"), Decimal("100"))


class ReferencePriceForm(GovukModelForm):
    url = forms.URLField(label="Published at", max_length=300, assume_scheme="https")

    class Meta:
        model = ReferencePrice
        fields = ["source", "year", "amount", "area_note", "url", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    input_widths = {"year": "govuk-input--width-5", "amount": "govuk-input--width-5"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bound(self.fields["amount"], Decimal("0.01"), Decimal("1000"))


# --- display ------------------------------------------------------------------------------------

BAR_COLOURS = {"model": "#1d70b8", "council": "#f47738", "reference": "#505a5f"}
KIND_LABELS = {"model": "cost of care", "council": "council rate", "reference": "reference price"}


@dataclass(frozen=True)
class Bar:
    label: str
    amount: Decimal
    kind: str
    colour: str
    label_y: int
    bar_y: int
    width: float
    value_x: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    plot_width: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (x, £)
    model_x: float
    description: str


def comparison_chart(rows: list[fee_setting.ComparisonRow]) -> Chart:
    """Geometry for a horizontal bar chart of the comparison (drawn as SVG by the template): one bar per
    row, each labelled above its bar, a scale in pounds and a dashed line at the model's cost."""
    width, left, right, row_height, top = 680, 10, 80, 46, 10
    plot_width = width - left - right
    top_amount = max((r.amount for r in rows), default=Decimal("0"))
    step = 10 if top_amount > 40 else 5
    scale_max = max(Decimal(step), (top_amount / step).to_integral_value(rounding=ROUND_CEILING) * step)

    def x(amount: Decimal) -> float:
        return round(float(amount / scale_max) * plot_width, 1)

    bars = []
    for i, row in enumerate(rows):
        y = top + i * row_height
        bars.append(
            Bar(
                label=row.label,
                amount=row.amount,
                kind=row.kind,
                colour=BAR_COLOURS[row.kind],
                label_y=y + 14,
                bar_y=y + 20,
                width=max(x(row.amount), 1.0),
                value_x=left + max(x(row.amount), 1.0) + 6,
            )
        )
    height = top + len(rows) * row_height + 30
    ticks = [(left + x(Decimal(v)), v) for v in range(0, int(scale_max) + 1, step)]
    model = next((r for r in rows if r.kind == "model"), None)
    description = "; ".join(f"{r.label}: £{r.amount} an hour ({KIND_LABELS[r.kind]})" for r in rows)
    return Chart(
        width=width,
        height=height,
        left=left,
        plot_width=plot_width,
        bars=bars,
        ticks=ticks,
        model_x=left + x(model.amount) if model else 0,
        description=description,
    )


def _area_label(value: str) -> str:
    return AreaType(value).label if value in AreaType.values else value


# --- helpers ------------------------------------------------------------------------------------


def _posted(request):
    return request.POST if request.method == "POST" else None


def _fee_setter_council(request):
    """The user's council, for pages that name no record: only fee setters get past."""
    permissions.require(permissions.sets_fees(request.user))
    return selectors.council_of(request.user)


def _form_page(request, template: str, context: dict):
    """Render a form page: 400 when a submitted form was rejected."""
    status = 400 if request.method == "POST" and context["form"].errors else 200
    return render(request, template, context, status=status)


# --- the fee-setting home -----------------------------------------------------------------------


@login_required
def fee_setting_home(request):
    _fee_setter_council(request)
    models = list(selectors.cost_models_for_user(user=request.user))
    return render(
        request,
        "finance/fee_setting/index.html",
        {
            "scenarios": selectors.scenarios_for_user(user=request.user),
            "models": [(m, fee_setting.cost_of_care_breakdown(m).total) for m in models],
        },
    )


# --- uplift scenarios ---------------------------------------------------------------------------


def _scenario_form(request, council, **kwargs) -> ScenarioForm:
    return ScenarioForm(
        _posted(request),
        frameworks=selectors.frameworks_for_uplift(council=council),
        floor_names=selectors.wage_floor_names(council=council),
        **kwargs,
    )


@login_required
def uplift_create(request):
    council = _fee_setter_council(request)
    form = _scenario_form(request, council)
    if request.method == "POST" and form.is_valid():
        try:
            scenario = fee_setting.scenario_create(
                actor=request.user, council=council, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Scenario drafted: {scenario.name}")
            return redirect("finance:uplift", scenario.pk)
    return _form_page(
        request,
        "finance/fee_setting/scenario_form.html",
        {"form": form, "title": "Draft an uplift scenario", "scenario": None},
    )


@login_required
def uplift_edit(request, scenario_pk: int):
    scenario = selectors.scenario_for_user(user=request.user, pk=scenario_pk)
    permissions.require(permissions.sets_fees(request.user))
    if not scenario.is_draft:
        return redirect("finance:uplift", scenario.pk)
    form = _scenario_form(request, scenario.council, initial=scenario_initial(scenario))
    if request.method == "POST" and form.is_valid():
        try:
            fee_setting.scenario_update(actor=request.user, scenario=scenario, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Scenario saved")
            return redirect("finance:uplift", scenario.pk)
    return _form_page(
        request,
        "finance/fee_setting/scenario_form.html",
        {"form": form, "title": "Change the scenario", "scenario": scenario},
    )


def _scenario_context(scenario: UpliftScenario) -> dict:
    terms = fee_setting.terms_of(scenario)
    proposal = fee_setting.uplift_proposal(scenario)
    cost = fee_setting.uplift_annual_cost(scenario)
    return {
        "scenario": scenario,
        "bands": [(b, fee_setting.percent_change(b.old_hourly, b.new_hourly)) for b in scenario.bands.all()],
        "weighted_percent": fee_setting.to_penny(terms.weighted_wage_increase * 100),
        "pay_percent": fee_setting.to_penny(terms.pay_increase * 100),
        "overall_percent": terms.overall_percent,
        "proposal": proposal,
        "blocked": [r for r in proposal if r.already_priced],
        "cost": cost,
        "cost_rows": [(r, _area_label(r.area_type)) for r in cost.rows],
        "unpriced": [
            (_area_label(a), fee_setting.CARE_TYPE_LABELS.get(c, c), u) for a, c, u in cost.unpriced
        ],
        "area_label": _area_label,
    }


@login_required
def uplift_detail(request, scenario_pk: int):
    scenario = selectors.scenario_for_user(user=request.user, pk=scenario_pk)
    permissions.require(permissions.sets_fees(request.user))
    context = _scenario_context(scenario)
    context["agreed_rates"] = selectors.agreed_rates(scenario=scenario) if not scenario.is_draft else []
    return render(request, "finance/fee_setting/scenario.html", context)


@login_required
def uplift_agree(request, scenario_pk: int):
    scenario = selectors.scenario_for_user(user=request.user, pk=scenario_pk)
    permissions.require(permissions.sets_fees(request.user))
    if not scenario.is_draft:
        return redirect("finance:uplift", scenario.pk)
    form = AgreeForm(_posted(request), initial={"add_rate_cards": True})
    if request.method == "POST" and form.is_valid():
        try:
            cards = fee_setting.scenario_agree(
                actor=request.user, scenario=scenario, add_rate_cards=form.cleaned_data["add_rate_cards"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            added = f": {len(cards)} new rates from {scenario.effective_from:%-d %B %Y}" if cards else ""
            messages.success(request, f"Scenario agreed{added}")
            return redirect("finance:uplift", scenario.pk)
    context = _scenario_context(scenario) | {"form": form}
    return _form_page(request, "finance/fee_setting/scenario_agree.html", context)


# --- cost-of-care models ------------------------------------------------------------------------


@login_required
def cost_model_create(request):
    council = _fee_setter_council(request)
    form = CostModelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            model = fee_setting.cost_model_create(actor=request.user, council=council, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Model saved: {model.name}")
            return redirect("finance:cost-of-care", model.pk)
    return _form_page(
        request,
        "finance/fee_setting/form.html",
        {
            "form": form,
            "title": "Model the cost of care",
            "intro": (
                "Build up what an hour of homecare costs to deliver, from the care worker's pay to the "
                "provider's surplus. The figures filled in are the statutory rates from April 2026: "
                "change any of them."
            ),
        },
    )


@login_required
def cost_model_edit(request, model_pk: int):
    model = selectors.cost_model_for_user(user=request.user, pk=model_pk)
    permissions.require(permissions.sets_fees(request.user))
    fields = list(CostModelForm._meta.fields or [])
    form = CostModelForm(_posted(request), initial=model_to_dict(model, fields=fields))
    if request.method == "POST" and form.is_valid():
        try:
            fee_setting.cost_model_update(actor=request.user, model=model, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Model saved")
            return redirect("finance:cost-of-care", model.pk)
    return _form_page(
        request,
        "finance/fee_setting/form.html",
        {"form": form, "title": f"Change {model.name}", "caption": "Cost of care"},
    )


@login_required
def cost_model_detail(request, model_pk: int):
    model = selectors.cost_model_for_user(user=request.user, pk=model_pk)
    permissions.require(permissions.sets_fees(request.user))
    breakdown = fee_setting.cost_of_care_breakdown(model)
    rows = fee_setting.cost_model_comparison(model, on=timezone.localdate())
    return render(
        request,
        "finance/fee_setting/cost_model.html",
        {
            "model": model,
            "breakdown": breakdown,
            "paid_hours": breakdown.paid_hours_per_contact_hour.quantize(Decimal("0.01")),
            "comparison": rows,
            "chart": comparison_chart(rows),
            "references": selectors.latest_reference_prices(council=model.council),
        },
    )


# --- reference data -----------------------------------------------------------------------------


@login_required
def wage_floors(request):
    council = _fee_setter_council(request)
    floors = list(selectors.wage_floors(council=council))
    # A second entry for the same floor and date is a correction: only the latest is in use.
    seen, rows = set(), []
    for floor in floors:
        key = (floor.name, floor.effective_from)
        rows.append((floor, key in seen))
        seen.add(key)
    return render(request, "finance/fee_setting/wage_floors.html", {"rows": rows})


@login_required
def wage_floor_add(request):
    council = _fee_setter_council(request)
    form = WageFloorForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            floor = fee_setting.wage_floor_add(actor=request.user, council=council, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Wage floor added: {floor}")
            return redirect("finance:wage-floors")
    return _form_page(
        request,
        "finance/fee_setting/form.html",
        {
            "form": form,
            "title": "Add a wage floor",
            "back": "finance:wage-floors",
            "back_label": "Back to wage floors",
            "intro": (
                "Wage floors are never changed. To correct one, add it again for the same date: the latest "
                "entry is used. Published rates: National Living Wage 21+ £12.21 from 1 April 2025 and "
                "£12.71 from 1 April 2026; 18 to 20 £10.00 and £10.85."
            ),
        },
    )


@login_required
def reference_prices(request):
    council = _fee_setter_council(request)
    prices = list(selectors.reference_prices(council=council))
    seen, rows = set(), []
    for price in prices:
        key = (price.source, price.year, price.area_note)
        rows.append((price, key in seen))
        seen.add(key)
    return render(request, "finance/fee_setting/reference_prices.html", {"rows": rows})


@login_required
def reference_price_add(request):
    council = _fee_setter_council(request)
    form = ReferencePriceForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            price = fee_setting.reference_price_add(actor=request.user, council=council, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Reference price added: {price}")
            return redirect("finance:reference-prices")
    return _form_page(
        request,
        "finance/fee_setting/form.html",
        {
            "form": form,
            "title": "Add a reference price",
            "back": "finance:reference-prices",
            "back_label": "Back to reference prices",
            "intro": (
                "A published price per contact hour to compare the council's rates with, like the Homecare "
                "Association Minimum Price (£32.14 for 2025-26). Prices are never changed: to correct one, "
                "add it again for the same source, year and area."
            ),
        },
    )


urlpatterns = [
    path("fee-setting/", fee_setting_home, name="fee-setting"),
    path("fee-setting/uplifts/new/", uplift_create, name="uplift-create"),
    path("fee-setting/uplifts/<int:scenario_pk>/", uplift_detail, name="uplift"),
    path("fee-setting/uplifts/<int:scenario_pk>/change/", uplift_edit, name="uplift-edit"),
    path("fee-setting/uplifts/<int:scenario_pk>/agree/", uplift_agree, name="uplift-agree"),
    path("fee-setting/cost-of-care/new/", cost_model_create, name="cost-of-care-create"),
    path("fee-setting/cost-of-care/<int:model_pk>/", cost_model_detail, name="cost-of-care"),
    path("fee-setting/cost-of-care/<int:model_pk>/change/", cost_model_edit, name="cost-of-care-edit"),
    path("fee-setting/wage-floors/", wage_floors, name="wage-floors"),
    path("fee-setting/wage-floors/add/", wage_floor_add, name="wage-floor-add"),
    path("fee-setting/reference-prices/", reference_prices, name="reference-prices"),
    path("fee-setting/reference-prices/add/", reference_price_add, name="reference-price-add"),
]
