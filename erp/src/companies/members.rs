//! The people of a company: add someone (a new user, or a user of another
//! company of the group), change their role, deactivate or reactivate their
//! access. Access is per company, so deactivating someone here leaves their
//! work elsewhere untouched. Two rules keep admins from hurting themselves
//! or the group: nobody changes their own membership, and only a group admin
//! grants or touches the group-admin role.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{Access, Tx};
use crate::auth::password;
use crate::db::Db;
use crate::records::{audit_change, required_version};
use crate::roles::{Action, Resource, Role};
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    /// group_admin, company_admin, accountant, sales, warehouse or read_only.
    pub role: String,
    /// False when the person's access to this company is taken away.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::required_email))]
    pub email: String,
    /// For a new user; an existing user keeps their name.
    #[serde(default)]
    pub display_name: String,
    /// For a new user (10 characters at least); an existing user keeps theirs.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(?:|[\\s\\S]{10,})$"))]
    pub password: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = role_schema))]
    pub role: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberUpdate {
    #[cfg_attr(feature = "openapi", schema(schema_with = role_schema))]
    pub role: String,
    /// The version that was read.
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

macro_rules! columns {
    () => {
        "u.id AS user_id, u.email, u.display_name, m.role, m.active, m.version, m.created_at, m.updated_at
           FROM memberships m JOIN users u ON u.id = m.user_id"
    };
}

#[cfg(feature = "openapi")]
fn role_schema() -> utoipa::openapi::Object {
    crate::schema::one_of(&Role::ALL.map(Role::as_str))
}

fn parse_role(c: &mut Checks, text: &str) -> Option<Role> {
    c.take(text.parse::<Role>().map_err(|_| {
        FieldIssue::new(
            "/role",
            "unknown_role",
            "group_admin, company_admin, accountant, sales, warehouse or read_only",
        )
    }))
}

/// Only a group admin hands out (or takes away) the group-admin role.
fn may_grant(access: &Access, role: Role) -> Result<()> {
    if role == Role::GroupAdmin && access.role != Role::GroupAdmin {
        return Err(Error::forbidden());
    }
    Ok(())
}

pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<Member>> {
    let (access, mut tx) = Access::begin(db, user, Resource::Users, Action::Read).await?;
    let rows = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " WHERE m.company_id = $1 ORDER BY NOT m.active, lower(u.display_name), u.id"
    ))
    .bind(access.company_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

async fn fetch(tx: &mut Tx, access: &Access, user_id: Uuid) -> Result<Member> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " WHERE m.company_id = $1 AND m.user_id = $2 FOR UPDATE OF m"
    ))
    .bind(access.company_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| Error::not_found("member_not_found"))
}

/// Give someone access to the active company with `role`. A new user needs
/// a name and a password; an existing user (of another company) keeps theirs,
/// so an admin here can never reset what a user set elsewhere.
pub async fn add(db: &Db, user: &SessionUser, input: NewMember) -> Result<Member> {
    let mut c = Checks::new();
    let email = c.email("/email", &input.email);
    if email.is_empty() {
        c.push(FieldIssue::new(
            "/email",
            "required",
            "this field is required",
        ));
    }
    let role = parse_role(&mut c, &input.role);
    let new_user = !input.display_name.trim().is_empty() || !input.password.is_empty();
    let display_name = c.text(
        "/display_name",
        &input.display_name,
        usize::from(new_user),
        200,
    );
    let hash = if new_user {
        c.take(
            password::hash(&input.password)
                .map_err(|e| FieldIssue::new("/password", e.code, e.message)),
        )
    } else {
        None
    };
    c.finish()?;
    let role = role.ok_or_else(|| Error::validation("unknown_role", "/role", "unknown role"))?;
    let (access, mut tx) = Access::begin(db, user, Resource::Users, Action::Create).await?;
    may_grant(&access, role)?;
    let member_id: Uuid =
        sqlx::query_scalar("SELECT member_id FROM add_member($1, $2, $3, $4, $5)")
            .bind(access.company_id)
            .bind(&email)
            .bind(&display_name)
            .bind(hash)
            .bind(role.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                crate::records::violation(
                    e,
                    &[
                        ("memberships_pkey", || {
                            FieldIssue::new(
                                "/email",
                                "already_member",
                                "this person already works in this company",
                            )
                        }),
                        ("new_user_needs_password", || {
                            FieldIssue::new(
                                "/password",
                                "required",
                                "a new user needs a name and a password",
                            )
                        }),
                    ],
                )
            })?;
    let member = fetch(&mut tx, &access, member_id).await?;
    audit_change(
        &mut tx,
        &access,
        "create",
        "membership",
        member_id,
        None,
        Some(&member),
    )
    .await?;
    tx.commit().await?;
    Ok(member)
}

/// Change someone's role in the active company.
pub async fn update(
    db: &Db,
    user: &SessionUser,
    member_id: Uuid,
    input: MemberUpdate,
) -> Result<Member> {
    let version = required_version(input.version)?;
    let mut c = Checks::new();
    let role = parse_role(&mut c, &input.role);
    c.finish()?;
    let role = role.ok_or_else(|| Error::validation("unknown_role", "/role", "unknown role"))?;
    let (access, mut tx) = Access::begin(db, user, Resource::Users, Action::Update).await?;
    let before = guarded(&mut tx, &access, member_id, version).await?;
    may_grant(&access, role)?;
    let after = write(&mut tx, &access, &before, role.as_str(), before.active).await?;
    audit_change(
        &mut tx,
        &access,
        "update",
        "membership",
        member_id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Take away (false) or give back (true) someone's access to the active company.
pub async fn set_active(
    db: &Db,
    user: &SessionUser,
    member_id: Uuid,
    version: i32,
    active: bool,
) -> Result<Member> {
    let (access, mut tx) = Access::begin(db, user, Resource::Users, Action::Archive).await?;
    let before = guarded(&mut tx, &access, member_id, version).await?;
    let after = write(&mut tx, &access, &before, &before.role, active).await?;
    let action = if active { "reactivate" } else { "deactivate" };
    audit_change(
        &mut tx,
        &access,
        action,
        "membership",
        member_id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The locked membership, if the caller may change it at this version.
async fn guarded(tx: &mut Tx, access: &Access, member_id: Uuid, version: i32) -> Result<Member> {
    if member_id == access.user_id {
        return Err(Error::conflict(
            "own_membership",
            "ask another administrator to change your own access",
        ));
    }
    let before = fetch(tx, access, member_id).await?;
    if before.role == Role::GroupAdmin.as_str() {
        may_grant(access, Role::GroupAdmin)?;
    }
    if before.version != version {
        return Err(Error::stale_version());
    }
    Ok(before)
}

async fn write(
    tx: &mut Tx,
    access: &Access,
    before: &Member,
    role: &str,
    active: bool,
) -> Result<Member> {
    sqlx::query(
        "UPDATE memberships SET role = $3, active = $4, version = version + 1, updated_at = now()
          WHERE company_id = $1 AND user_id = $2",
    )
    .bind(access.company_id)
    .bind(before.user_id)
    .bind(role)
    .bind(active)
    .execute(&mut **tx)
    .await?;
    fetch(tx, access, before.user_id).await
}
