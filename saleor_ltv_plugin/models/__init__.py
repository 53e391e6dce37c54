"""The plugin's tables: captured facts, and the metrics computed from them."""

from .facts import (  # noqa: F401
    Account,
    AccountContact,
    AccountKeyKind,
    CatalogueProduct,
    CheckoutFact,
    CheckoutState,
    ConsentState,
    Contact,
    ContactConsent,
    ErasedIdentity,
    InboundEvent,
    InboundStatus,
    OrderFact,
    OrderLineFact,
    ProductView,
    SalesSource,
    ShipmentFact,
    Source,
)
from .imports import ColumnMapping, ImportFilePart, ImportJob, ImportJobAccount, ImportState  # noqa: F401
from .metrics import (  # noqa: F401
    AccountMetrics, AccountSkuRhythm, AccountStageChange, FittedState, RecomputeRun, SegmentSnapshot,
)
from .api import (  # noqa: F401
    ApiKey, ChannelInsight, CsvImport, CsvImportStatus, SavedSegment, SavedSegmentCount, TaskHeartbeat,
)
from .automation import (  # noqa: F401
    Alert,
    AlertKind,
    AlertState,
    CallOutcome,
    CallOutcomeKind,
    DeliveryKind,
    Enrollment,
    MessageStatus,
    OutboxMessage,
    ScenarioSetting,
)
from .print_jobs import PrintJob, PrintJobItem, PrintJobState  # noqa: F401
from .flows import (  # noqa: F401
    AccountTag, Flow, FlowAbWinner, FlowKind, FlowSegmentMember, FlowState, FlowStepRun, FlowVersion, EnrollmentState,
)
from .line import InviteState, LineFollower  # noqa: F401
from .settings import SettingsChange, SettingsDocument  # noqa: F401
from .thresholds import ChannelThresholds  # noqa: F401
