"""ライセンス保守 (seed 001, ConnectWise Control licences): every business rule of the service.

The rule book in three chapters, each a module (re-exported here, so `cw.renewal_fee` is the API):
- `term`: a year of maintenance from the last start S (purchase, renewal or rejoin), the residual
  value R(d) that falls 20 % a year, the status on a day, incident packs (1 year from purchase);
- `fees`: renewal (20 % before expiry), rejoin and added licences (the top-up of R to 100 %);
- `deadlines`: cash in advance 3 business days before delivery, technical service, mail support.
"""
from bot.engine.license_maintenance.contract import IncidentPack, LicenseMaintenanceContract
from bot.engine.license_maintenance.deadlines import (
    BUSINESS_DAY_NOTE,
    MAIL_SUPPORT_BUSINESS_DAYS,
    MAIL_SUPPORT_RULE,
    PAYMENT_BUSINESS_DAYS,
    PAYMENT_RULE,
    TECHNICAL_SERVICE_RULE,
    TECHNICIAN_NOTICE_BUSINESS_DAYS,
    TECHNICIAN_NOTICE_RULE,
    DeadlineResult,
    earliest_delivery,
    mail_support_start,
    payment_deadline,
    technical_service_payment_deadline,
    technician_notice_date,
)
from bot.engine.license_maintenance.fees import (
    ADD_RULE,
    REJOIN_RULE,
    RENEWAL_PERCENT,
    RENEWAL_RULE,
    TAX_NOTE,
    AddLicensesResult,
    RejoinResult,
    RenewalResult,
    add_licenses_fee,
    rejoin_fee,
    renewal_fee,
)
from bot.engine.license_maintenance.term import (
    ACTIVE_RULE,
    DEPRECIATION_PER_YEAR,
    INCIDENT_RULE,
    LAPSED_RULE,
    MAINTENANCE_MONTHS,
    RESIDUAL_RULE,
    STATUS_RULE,
    IncidentsResult,
    IncidentStatus,
    MaintenanceStatusResult,
    ResidualValueResult,
    incidents,
    maintenance_end,
    maintenance_status,
    residual_value,
)

CONTRACT = LicenseMaintenanceContract
