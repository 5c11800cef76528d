"""`suyuan products`: file, list and show products (GTIN master data)."""

from __future__ import annotations

import json

import typer

from suyuan.cli.app import runtime_of
from suyuan.cli.enterprises import JSON, enterprise_ref
from suyuan.cli.output import print_json, print_record, print_table
from suyuan.domain.access import Actor
from suyuan.errors import InvalidInput
from suyuan.services.enterprises import resolve_tenant
from suyuan.services.products import add_product, get_product, list_products

products_app = typer.Typer(help="File, list and show products.", no_args_is_help=True)


@products_app.command("add")
def add(
    ctx: typer.Context,
    gtin: str = typer.Argument(..., help="GTIN-8/12/13/14 with a valid check digit."),
    enterprise: str = typer.Option(..., "--enterprise", "-e", help="Owner: id or slug."),
    name: str = typer.Option(..., "--name", help="Product name, e.g. 52%vol 某某酒 500ml."),
    category: str = typer.Option("baijiu", help="Product category (profile QC limits apply)."),
    packaging: str = typer.Option(
        "", help="Levels above the item, e.g. 'case:6,pallet:50' or 'case:6:<case GTIN>'."
    ),
    attributes: str = typer.Option(
        "{}", help='Profile product fields as JSON, e.g. \'{"alcohol_content": "52"}\'.'
    ),
    json_out: bool = JSON,
) -> None:
    """File a product under its GTIN."""
    try:
        attrs = json.loads(attributes)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--attributes: not valid JSON ({exc.msg} at {exc.pos})") from exc
    if not isinstance(attrs, dict):
        raise InvalidInput("--attributes: must be a JSON object")
    runtime = runtime_of(ctx)
    actor = Actor.system()
    with runtime.uow() as uow:
        tenant = resolve_tenant(uow, actor, enterprise_ref(enterprise))
        product = add_product(
            uow,
            actor,
            tenant_id=tenant,
            gtin=gtin,
            name=name,
            category=category,
            packaging=packaging,
            attributes=attrs,
        )
    if json_out:
        print_json(product.to_dict())
    else:
        print_record(f"product {product.gtin} filed", product.to_dict())


@products_app.command("list")
def list_command(
    ctx: typer.Context,
    enterprise: str = typer.Option(None, "--enterprise", "-e", help="Only this enterprise."),
    json_out: bool = JSON,
) -> None:
    """List products."""
    actor = Actor.system()
    with runtime_of(ctx).uow(write=False) as uow:
        tenant = resolve_tenant(uow, actor, enterprise_ref(enterprise)) if enterprise else None
        found = list_products(uow, actor, tenant_id=tenant)
    if json_out:
        print_json([p.to_dict() for p in found])
        return
    print_table(
        "products",
        ("GTIN", "name", "category", "packaging"),
        [
            (
                p.gtin,
                p.name,
                p.category,
                ", ".join(f"{lv.level}×{lv.contains}" for lv in p.packaging),
            )
            for p in found
        ],
    )


@products_app.command("show")
def show(
    ctx: typer.Context, gtin: str = typer.Argument(..., help="GTIN."), json_out: bool = JSON
) -> None:
    """Show one product."""
    with runtime_of(ctx).uow(write=False) as uow:
        product = get_product(uow, Actor.system(), gtin)
    if json_out:
        print_json(product.to_dict())
    else:
        print_record(f"product {product.gtin}", product.to_dict())


def register(app: typer.Typer) -> None:
    """Attach `products` to the root command."""
    app.add_typer(products_app, name="products")
