"""`suyuan enterprises`: register, list and show enterprises (tenants)."""

from __future__ import annotations

import typer

from suyuan.cli.app import runtime_of
from suyuan.cli.output import print_json, print_record, print_table
from suyuan.domain.access import Actor
from suyuan.services.enterprises import (
    NewEnterprise,
    add_enterprise,
    get_enterprise,
    list_enterprises,
)

enterprises_app = typer.Typer(help="Register, list and show enterprises.", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


def enterprise_ref(text: str) -> int | str:
    """An enterprise given by numeric id or slug."""
    return int(text) if text.isdigit() else text


@enterprises_app.command("add")
def add(
    ctx: typer.Context,
    slug: str = typer.Argument(..., help="Short handle, e.g. 'moutai' (lower-case)."),
    name: str = typer.Option(..., "--name", help="Registered name, e.g. 某某酒业有限公司."),
    role: str = typer.Option("producer", help="producer, supplier, distributor, retailer, ..."),
    gs1_prefix: str = typer.Option(None, "--gs1-prefix", help="GS1 company prefix (digits)."),
    idis_prefix: str = typer.Option(
        None, "--idis-prefix", help="Industrial-internet prefix: 88.x.y or an OID 1.2.156...."
    ),
    address: str = typer.Option(None, help="Postal address."),
    region: str = typer.Option(None, help="Province/city, e.g. 四川省宜宾市."),
    licence: str = typer.Option(None, help="Production licence number (SC...)."),
    phone: str = typer.Option(None, help="Contact telephone."),
    website: str = typer.Option(None, help="Website URL."),
    profile: str = typer.Option(
        "baijiu", help="Industry profile: baijiu, market_produce, generic."
    ),
    json_out: bool = JSON,
) -> None:
    """Register an enterprise."""
    runtime = runtime_of(ctx)
    new = NewEnterprise(
        slug=slug,
        name=name,
        role=role,
        gs1_company_prefix=gs1_prefix,
        idis_prefix=idis_prefix,
        address=address,
        region=region,
        licence=licence,
        phone=phone,
        website=website,
        profile=profile,
    )
    with runtime.uow() as uow:
        enterprise = add_enterprise(uow, Actor.system(), new)
    if json_out:
        print_json(enterprise.to_dict())
    else:
        print_record(f"enterprise {enterprise.slug} registered", enterprise.to_dict())


@enterprises_app.command("list")
def list_command(ctx: typer.Context, json_out: bool = JSON) -> None:
    """List enterprises."""
    with runtime_of(ctx).uow(write=False) as uow:
        found = list_enterprises(uow, Actor.system())
    if json_out:
        print_json([e.to_dict() for e in found])
        return
    print_table(
        "enterprises",
        ("id", "slug", "name", "role", "GS1 prefix", "IDIS prefix"),
        [(e.id, e.slug, e.name, e.role, e.gs1_company_prefix, e.idis_prefix) for e in found],
    )


@enterprises_app.command("show")
def show(
    ctx: typer.Context,
    enterprise: str = typer.Argument(..., help="Id or slug."),
    json_out: bool = JSON,
) -> None:
    """Show one enterprise."""
    with runtime_of(ctx).uow(write=False) as uow:
        found = get_enterprise(uow, Actor.system(), enterprise_ref(enterprise))
    if json_out:
        print_json(found.to_dict())
    else:
        print_record(f"enterprise {found.slug}", found.to_dict())


def register(app: typer.Typer) -> None:
    """Attach `enterprises` to the root command."""
    app.add_typer(enterprises_app, name="enterprises")
