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
    Ok(true)
}
