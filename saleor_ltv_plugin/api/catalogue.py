"""The product catalogue: `POST products` (a JSON batch) and `POST products/import` (a CSV/TSV file),
`GET products/{sku}`. All or nothing; storing the same list again changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Optional
from urllib.parse import urlsplit

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, ValidationError, field_validator

from .. import db
from ..auth import Scope
from ..ingest.catalogue import store_products
from ..ingest.facts import ProductData
from ..ingest.formats import FileProblem
from ..ingest.formats.products import FIELD_JA, read_products
from ..models import CatalogueProduct
from .body import ORDERS_BODY_LIMIT, body_limit, declared_limit
from .errors import NotFound
from .file_import import pydantic_errors
from .imports import BODY_LIMIT, ERRORS, _file_refused, _too_large, rows_refused
from .schemas import MAX_BATCH, Input
from .security import need

router = Router(tags=["catalogue"])


def _web_url(value: str) -> str:
    """Mails link and show these: only http(s) addresses (never javascript: or data:)."""
    value = value.strip()
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL (http:// か https:// で始まる URL にしてください)")
    return value


class ProductIn(Input):
    sku: str = Field(..., min_length=1, max_length=255)
    name: str = Field(..., min_length=1, max_length=386)
    category: str = Field("", max_length=255, description="The shop's category, e.g. 文具/コピー用紙.")
    price: Optional[Decimal] = Field(None, ge=0, max_digits=20, decimal_places=3)
    currency: str = Field("", pattern=r"^([A-Z]{3})?$")
    image_url: str = Field("", max_length=2048)
    product_url: str = Field("", max_length=2048)

    @field_validator("image_url", "product_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        return _web_url(value)


class ProductBatchIn(Input):
    products: Annotated[list[ProductIn], Field(min_length=1, max_length=MAX_BATCH)]


class ProductOut(Schema):
    sku: str
    name: str
    category: str
    price: Optional[Decimal]
    currency: str
    image_url: str
    product_url: str


class ProductsOut(Schema):
    received: int
    created: int
    updated: int
    unchanged: int
    written: int


class ProductFileOut(ProductsOut):
    encoding: str
    delimiter: str
    rows_read: int
    columns: dict[str, str]


def _fact(product: ProductIn, source: str) -> ProductData:
    return ProductData(source=source, **product.model_dump())


def _stored(batch: list[ProductData]) -> dict:
    with db.writer():
        counts = store_products(batch)
    return {"received": len(batch), "created": counts.created, "updated": counts.updated,
            "unchanged": counts.unchanged, "written": counts.written}


@router.post("products", response={200: ProductsOut, **ERRORS}, summary="Store a batch of catalogue products")
@body_limit(ORDERS_BODY_LIMIT)
def ingest_products(request: HttpRequest, payload: ProductBatchIn):
    """Up to 5 000 products per call, identified by `sku` (sending one again replaces it). Mails and
    Dashboard tables show the catalogue's name, picture and page where an order line or a cart has
    only the SKU. URLs must be http(s). One invalid product refuses the call (422); nothing is stored."""
    need(request, Scope.INGEST)
    return Status(200, _stored([_fact(p, "rest") for p in payload.products]))


@router.post("products/import", response={200: ProductFileOut, **ERRORS},
             summary="Import a product catalogue file (CSV/TSV, UTF-8 or Shift_JIS; all or nothing)")
@declared_limit(BODY_LIMIT)
def import_products(request: HttpRequest, file: UploadedFile = File(...)):
    """Columns by their English or Japanese names: SKU/商品コード/商品番号/品番, 商品名/name,
    カテゴリ/category, 価格/price (¥, 円, commas, full-width digits), 通貨/currency, 画像URL/image url,
    商品URL/product url. One bad row refuses the file with 422 listing every bad line, field and reason
    (English and Japanese); nothing is stored. At most 50 MiB."""
    need(request, Scope.INGEST)
    too_large = _too_large(file)
    if too_large:
        return too_large
    try:
        records, good, errors = read_list(file.read())
    except FileProblem as problem:
        return _file_refused(problem)
    if errors:
        return rows_refused(errors)
    return Status(200, {**_stored(good), "encoding": records.encoding, "delimiter": records.delimiter,
                        "rows_read": records.rows_read, "columns": records.fields})


def read_list(data: bytes):
    """(the file read, ProductData of the good rows, errors of the bad ones in line order); raises
    FileProblem when the file as a whole cannot be read. Shared by this endpoint and import jobs."""
    records, rows, problems = read_products(data)
    good, errors = [], [p.as_dict() for p in problems]
    for line, row in rows:
        try:
            good.append(_fact(ProductIn.model_validate(row), "import"))
        except ValidationError as exc:
            errors.extend(pydantic_errors(exc, line, names=FIELD_JA))
    return records, good, sorted(errors, key=lambda e: e["row"])


@router.get("products/{sku}", response={200: ProductOut, **ERRORS}, summary="One catalogue product")
def get_product(request: HttpRequest, sku: str):
    need(request, Scope.INGEST)
    product = CatalogueProduct.objects.filter(sku=sku).first()
    if product is None:
        raise NotFound("sku", f"no catalogue product {sku!r}")
    return Status(200, {name: getattr(product, name) for name in ProductOut.model_fields})
