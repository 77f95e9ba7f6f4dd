//! ORG-6 / SEC-2: what a role may do. The whole matrix is in `Role::allows`; handlers and
//! ops ask it, and the store additionally scopes every query by the caller's projects.

use crate::text_enum;

text_enum! {
    Role {
        Admin = "admin", "系统管理员", "Administrator";
        Manager = "manager", "客服经理", "Manager";
        Supervisor = "supervisor", "客服主管", "Supervisor";
        Specialist = "specialist", "客服专员", "CS specialist";
        TaxSpecialist = "tax_specialist", "税源专员", "Tax-source specialist";
        Receptionist = "receptionist", "前台接待", "Receptionist";
        Engineering = "engineering", "工程人员", "Engineering";
        Security = "security", "安保人员", "Security";
        Cleaning = "cleaning", "保洁人员", "Cleaning";
        Finance = "finance", "财务人员", "Finance";
        Leasing = "leasing", "招商人员", "Leasing";
        Planning = "planning", "企划人员", "Planning";
    }
}

/// Who is acting: a staff member with a role, limited to the projects assigned to them.
/// Every store query that returns project data is filtered by `projects` (SEC-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub staff_id: i64,
    pub name: String,
    pub company_id: i64,
    pub role: Role,
    pub projects: Vec<i64>,
}

impl Actor {
    pub fn can(&self, p: Permission) -> bool {
        self.role.allows(p)
    }
    pub fn sees_project(&self, project_id: i64) -> bool {
        self.projects.contains(&project_id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See projects, buildings and units.
    ViewUnits,
    /// See owners', tenants' and merchants' personal and company data (004 4.12: confidential).
    ViewParties,
    EditUnits,
    EditParties,
    /// Record ownership transfers and leases.
    EditTenure,
    EditProjects,
    ViewRegisters,
    ImportData,
    ViewAudit,
    ManageStaff,
    /// Edit the company's working-day calendar and projects' time zone, working hours and
    /// deadline policies (CMP-5, CMP-6 and the other SLA numbers).
    ManageCalendar,
    /// RCP-5: rewrite a project's standard scripts (or restore the defaults).
    EditScripts,
    /// REP-11: keep the company's contractor register (approval, qualifications).
    ManageContractors,
    /// FEE: see fee items, the ledger, bills and arrears.
    ViewFees,
    /// FEE-1/FEE-2: set up fee items and run the billing of a period.
    ManageFees,
    /// FEE-2/FEE-4: finance's reconciliation of the ledger and of the month's payments.
    ReconcileFees,
    /// FEE-4: take a payment and issue its receipt.
    CollectFees,
    /// REP-11: draw up a contractor's settlement statement (工程结算表) and its payment request
    /// (请款申请书); approving and paying are decided in `contractor` by role.
    SettleContractors,
    /// FEE-7: see the meter register and enter monthly readings (engineering reads the meters).
    ReadMeters,
    /// FEE-7: register, replace and re-flag meters.
    ManageMeters,
    /// REP-13: write up a closed repair as a repair case (维修案例): the repair managers of
    /// customer service and engineering (001 11.2.10.2).
    WriteRepairCases,
    /// RPT-2: the monthly repair report (timeliness, callbacks, responsibility).
    ViewRepairReports,
    /// POR-2: set up the company's channels to owners, tenants and merchants (SMTP server, SMS/IM
    /// gateway and their secrets).
    ManageChannels,
}

impl Role {
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match p {
            ViewUnits => true,
            ViewParties => !matches!(self, Engineering | Security | Cleaning | Planning),
            EditUnits => matches!(self, Admin | Manager | Supervisor | Specialist),
            EditParties => matches!(self, Admin | Manager | Supervisor | Specialist | TaxSpecialist | Receptionist | Leasing),
            EditTenure => matches!(self, Admin | Manager | Supervisor | Specialist | Leasing),
            EditProjects => matches!(self, Admin | Manager),
            ViewRegisters => matches!(self, Admin | Manager | Supervisor | Specialist | TaxSpecialist | Finance | Leasing),
            ImportData => matches!(self, Admin | Manager | Supervisor),
            ViewAudit => matches!(self, Admin | Manager | Supervisor),
            ManageStaff => matches!(self, Admin),
            ManageCalendar => matches!(self, Admin | Manager),
            EditScripts => matches!(self, Admin | Manager | Supervisor),
            ManageContractors => matches!(self, Admin | Manager | Supervisor | Engineering),
            ViewFees => matches!(self, Admin | Manager | Supervisor | Specialist | Receptionist | Finance),
            ManageFees => matches!(self, Admin | Manager | Supervisor),
            ReconcileFees => matches!(self, Admin | Finance),
            CollectFees => matches!(self, Admin | Manager | Supervisor | Specialist | Finance),
            SettleContractors => matches!(self, Admin | Manager | Supervisor | Finance),
            ReadMeters => matches!(self, Admin | Manager | Supervisor | Specialist | Engineering | Finance),
            ManageMeters => matches!(self, Admin | Manager | Supervisor | Engineering),
            WriteRepairCases => matches!(self, Admin | Manager | Supervisor | Specialist | Engineering),
            ViewRepairReports => matches!(self, Admin | Manager | Supervisor | Specialist | Engineering),
            ManageChannels => matches!(self, Admin | Manager),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_6_roles_limit_what_staff_may_do() {
        assert!(Role::Admin.allows(Permission::ManageStaff));
        assert!(!Role::Manager.allows(Permission::ManageStaff));
        assert!(Role::Receptionist.allows(Permission::EditParties));
        assert!(!Role::Receptionist.allows(Permission::EditUnits));
        assert!(!Role::Receptionist.allows(Permission::ImportData));
        assert!(Role::Leasing.allows(Permission::EditTenure));
        assert!(Role::Cleaning.allows(Permission::ViewUnits));
    }

    #[test]
    fn cmp_6_calendar_and_deadline_policies_are_managed_by_admins_and_managers() {
        for r in Role::ALL {
            assert_eq!(r.allows(Permission::ManageCalendar), matches!(r, Role::Admin | Role::Manager), "{r}");
        }
    }

    #[test]
    fn rcp_5_scripts_are_edited_by_supervisors_managers_and_admins() {
        for r in Role::ALL {
            assert_eq!(r.allows(Permission::EditScripts), matches!(r, Role::Admin | Role::Manager | Role::Supervisor), "{r}");
        }
    }

    #[test]
    fn fee_2_billing_is_set_up_by_the_service_centre_and_reconciled_by_finance() {
        for r in Role::ALL {
            assert_eq!(r.allows(Permission::ManageFees), matches!(r, Role::Admin | Role::Manager | Role::Supervisor), "{r}");
            assert_eq!(r.allows(Permission::ReconcileFees), matches!(r, Role::Admin | Role::Finance), "{r}");
            assert_eq!(
                r.allows(Permission::CollectFees),
                matches!(r, Role::Admin | Role::Manager | Role::Supervisor | Role::Specialist | Role::Finance),
                "{r}"
            );
            if r.allows(Permission::ManageFees) || r.allows(Permission::ReconcileFees) || r.allows(Permission::CollectFees) {
                assert!(r.allows(Permission::ViewFees), "{r}");
            }
        }
        assert!(!Role::Engineering.allows(Permission::ViewFees));
    }

    #[test]
    fn fee_7_engineering_reads_and_registers_meters_without_seeing_the_ledger() {
        for r in Role::ALL {
            assert_eq!(
                r.allows(Permission::ReadMeters),
                matches!(r, Role::Admin | Role::Manager | Role::Supervisor | Role::Specialist | Role::Engineering | Role::Finance),
                "{r}"
            );
            if r.allows(Permission::ManageMeters) {
                assert!(r.allows(Permission::ReadMeters), "{r}");
            }
        }
        assert!(Role::Engineering.allows(Permission::ManageMeters) && !Role::Engineering.allows(Permission::ViewFees));
        assert!(!Role::Finance.allows(Permission::ManageMeters));
    }

    #[test]
    fn rep_11_settlements_are_drawn_up_by_supervisors_managers_finance_and_admins() {
        for r in Role::ALL {
            assert_eq!(r.allows(Permission::SettleContractors), matches!(r, Role::Admin | Role::Manager | Role::Supervisor | Role::Finance), "{r}");
        }
        assert!(!Role::Engineering.allows(Permission::SettleContractors), "the engineer who sends the work in does not settle it");
    }

    #[test]
    fn sec_2_personal_data_hidden_from_field_departments() {
        for r in [Role::Engineering, Role::Security, Role::Cleaning, Role::Planning] {
            assert!(!r.allows(Permission::ViewParties), "{r} must not see personal data");
        }
        assert!(Role::Finance.allows(Permission::ViewParties));
    }

    #[test]
    fn por_2_only_admins_and_managers_set_up_channels_to_residents() {
        for r in Role::ALL {
            assert_eq!(r.allows(Permission::ManageChannels), matches!(r, Role::Admin | Role::Manager), "{r}");
        }
    }
}
