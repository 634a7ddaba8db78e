//! Demo data for `appliance up --demo`: a group of two Honduran dealers, one
//! user per built-in role and the admin `admin@demo.hn`. Loaded once.

use sqlx::PgPool;

use crate::Result;
use crate::admin::{self, NewCompany, NewUser};
use crate::roles::Role;

pub const ADMIN_EMAIL: &str = "admin@demo.hn";
pub const ADMIN_PASSWORD: &str = "demo-admin-2026";
/// Every other demo user shares this password.
pub const USER_PASSWORD: &str = "demo-usuario-2026";

/// Returns false when the demo data was already there.
pub async fn load(owner: &PgPool) -> Result<bool> {
    let present: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = $1)")
            .bind(ADMIN_EMAIL)
            .fetch_one(owner)
            .await?;
    if present {
        return Ok(false);
    }
    let motos = admin::create_company(
        owner,
        NewCompany {
            name: "Motos Catrachas",
            legal_name: "Motos Catrachas S. de R.L.",
            rtn: Some("08019012345678"),
        },
    )
    .await?
    .id;
    let autos = admin::create_company(
        owner,
        NewCompany {
            name: "Autos del Valle",
            legal_name: "Autos del Valle S.A. de C.V.",
            rtn: Some("05019098765432"),
        },
    )
    .await?
    .id;
    for company_id in [motos, autos] {
        admin::create_user(
            owner,
            NewUser {
                email: ADMIN_EMAIL,
                display_name: "Administración del Grupo",
                password: ADMIN_PASSWORD,
                company_id,
                role: Role::GroupAdmin,
            },
        )
        .await?;
    }
    let people = [
        ("gerente@demo.hn", "Karla Mejía", Role::CompanyAdmin),
        ("contador@demo.hn", "José Ramírez", Role::Accountant),
        ("ventas@demo.hn", "María Fernanda López", Role::Sales),
        ("bodega@demo.hn", "Luis Zelaya", Role::Warehouse),
        ("consulta@demo.hn", "Ana Cáceres", Role::ReadOnly),
    ];
    for (email, name, role) in people {
        admin::create_user(
            owner,
            NewUser {
                email,
                display_name: name,
                password: USER_PASSWORD,
                company_id: motos,
                role,
            },
        )
        .await?;
    }
    for company in [motos, autos] {
        load_sales_setup(owner, company).await?;
    }
    Ok(true)
}

/// What a company needs to invoice on the first day: authorized ranges at
/// branch 001 / point 001 (demo CAIs, deadline a year ahead), a few
/// customers and products.
async fn load_sales_setup(owner: &PgPool, company: uuid::Uuid) -> Result<()> {
    // What the printed invoice shows of the issuer.
    sqlx::query(
        "UPDATE companies SET address = 'Bulevar Morazán, edificio Torre Libertad, Tegucigalpa',
                phone = '2232-4455', email = 'facturacion@' || lower(replace(name, ' ', '')) || '.hn'
          WHERE id = $1",
    )
    .bind(company)
    .execute(owner)
    .await?;
    sqlx::query("UPDATE branches SET address = 'Bulevar Morazán, Tegucigalpa' WHERE company_id = $1 AND code = '001'")
        .bind(company)
        .execute(owner)
        .await?;
    sqlx::query(
        "INSERT INTO fiscal_ranges (id, company_id, emission_point_id, doc_kind, type_code, cai,
                                    first_number, last_number, next_number, deadline)
         SELECT gen_random_uuid(), $1, e.id, r.kind, r.code, r.cai, 1, r.last, 1, hn_today() + 365
           FROM emission_points e JOIN branches b ON b.id = e.branch_id,
                (VALUES ('invoice', '01', 'A1B2C3-D4E5F6-0A1B2C-3D4E5F-6A7B8C-9D', 5000),
                        ('credit_note', '04', 'B2C3D4-E5F6A7-1B2C3D-4E5F6A-7B8C9D-0E', 500)) AS r (kind, code, cai, last)
          WHERE e.company_id = $1 AND b.code = '001' AND e.code = '001'",
    )
    .bind(company)
    .execute(owner)
    .await?;
    sqlx::query(
        "INSERT INTO parties (id, company_id, name, rtn, is_customer, is_supplier, city, payment_terms_days)
         VALUES (gen_random_uuid(), $1, 'Consumidor Final', NULL, true, false, '', 0),
                (gen_random_uuid(), $1, 'Transportes Olanchanos S.A.', '15019001234567', true, false, 'Juticalpa', 30),
                (gen_random_uuid(), $1, 'Ferretería El Progreso', '18049007654321', true, false, 'El Progreso', 15)",
    )
    .bind(company)
    .execute(owner)
    .await?;
    sqlx::query(
        "INSERT INTO products (id, company_id, sku, name, unit, sale_price, tax_class)
         VALUES (gen_random_uuid(), $1, 'CASCO-INT', 'Casco integral certificado', 'unidad', 1850.00, 'isv15'),
                (gen_random_uuid(), $1, 'LUB-20W50', 'Lubricante de motor 20W-50, 1 litro', 'unidad', 245.50, 'isv15'),
                (gen_random_uuid(), $1, 'SERV-MANT', 'Servicio de mantenimiento preventivo', 'servicio', 1200.00, 'isv15'),
                (gen_random_uuid(), $1, 'LIBRO-MAN', 'Manual del propietario impreso', 'unidad', 150.00, 'exempt')",
    )
    .bind(company)
    .execute(owner)
    .await?;
    Ok(())
}

/// Stock to look at in the demo, posted by the warehouse user of Motos
/// Catrachas through the same documents a person uses (so the ledger has
/// their entries): a supplier, a motorcycle model tracked by VIN, three
/// units in the warehouse and two on their way in customs, and helmets and
/// oil on the shelf. Runs once, right after [`load`] wrote the rest.
pub async fn load_stock(owner: &PgPool, db: &crate::db::Db) -> Result<()> {
    use rust_decimal::Decimal;

    use crate::stock::receipts::{self, ReceiptInput, ReceiptLineInput, UnitInput};

    let (company, user): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "SELECT c.id, u.id FROM companies c, users u
          WHERE c.name = 'Motos Catrachas' AND lower(u.email) = 'bodega@demo.hn'",
    )
    .fetch_one(owner)
    .await?;
    let (supplier, moto): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "WITH s AS (
             INSERT INTO parties (id, company_id, name, rtn, is_customer, is_supplier, city, payment_terms_days)
             VALUES (gen_random_uuid(), $1, 'Honda Motor de Centroamérica', '08019005550001', false, true, 'San Pedro Sula', 30)
             RETURNING id),
         p AS (
             INSERT INTO products (id, company_id, sku, name, unit, sale_price, tax_class, tracking, is_vehicle)
             VALUES (gen_random_uuid(), $1, 'XR190L', 'Motocicleta Honda XR190L', 'unidad', 89900.00, 'isv15', 'serial', true)
             RETURNING id)
         SELECT s.id, p.id FROM s, p",
    )
    .bind(company)
    .fetch_one(owner)
    .await?;
    let parts: Vec<(uuid::Uuid, String)> = sqlx::query_as(
        "SELECT id, sku FROM products WHERE company_id = $1 AND sku IN ('CASCO-INT', 'LUB-20W50')",
    )
    .bind(company)
    .fetch_all(owner)
    .await?;
    let places: Vec<(uuid::Uuid, String)> = sqlx::query_as(
        "SELECT id, code FROM stock_locations WHERE company_id = $1 AND code IN ('BOD-01', 'TRANSITO')",
    )
    .bind(company)
    .fetch_all(owner)
    .await?;
    let place = |code: &str| places.iter().find(|(_, c)| c == code).map(|(id, _)| *id);
    let part = |sku: &str| parts.iter().find(|(_, s)| s == sku).map(|(id, _)| *id);
    let units = |from: u32, to: u32, colour: &str| {
        (from..=to)
            .map(|n| UnitInput {
                serial: format!("MLHKD0810R5{n:06}"),
                engine_no: format!("KD08E-{n:06}"),
                colour: colour.to_owned(),
                model_year: Some(2027),
                unit_cost: None,
            })
            .collect::<Vec<_>>()
    };
    let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
    let bodega = crate::SessionUser::new(user, Some(company), "es-HN".into());
    receipts::create(
        db,
        &bodega,
        ReceiptInput {
            party_id: Some(supplier),
            location_id: place("BOD-01"),
            reference: "Envío 2026-1187".into(),
            lines: vec![
                ReceiptLineInput {
                    product_id: Some(moto),
                    unit_cost: Some(d("61250.00")),
                    units: units(100101, 100103, "Rojo"),
                    ..ReceiptLineInput::default()
                },
                ReceiptLineInput {
                    product_id: part("CASCO-INT"),
                    quantity: Some(d("20")),
                    unit_cost: Some(d("1100.00")),
                    ..ReceiptLineInput::default()
                },
                ReceiptLineInput {
                    product_id: part("LUB-20W50"),
                    quantity: Some(d("48")),
                    unit_cost: Some(d("150.00")),
                    ..ReceiptLineInput::default()
                },
            ],
            ..ReceiptInput::default()
        },
    )
    .await?;
    receipts::create(
        db,
        &bodega,
        ReceiptInput {
            party_id: Some(supplier),
            location_id: place("TRANSITO"),
            reference: "BL HNPCR-55210".into(),
            lines: vec![ReceiptLineInput {
                product_id: Some(moto),
                unit_cost: Some(d("60800.00")),
                units: units(100104, 100105, "Negro"),
                ..ReceiptLineInput::default()
            }],
            ..ReceiptInput::default()
        },
    )
    .await?;
    Ok(())
}
