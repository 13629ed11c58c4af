//! Word lists for a pharma / life-science AI platform, organised by the 14 functional areas
//! (in the order of the `functional_area_type` enum and of 003's org functions), plus shared
//! lists (therapeutic areas, seniorities, people's names, tenant names...). Labels are built
//! by combining these deterministically; see [`label`].

use super::prng::Rng;

/// One functional area and the words that describe its work.
pub struct Area {
    /// The `functional_area_type` label.
    pub name: &'static str,
    pub slug: &'static str,
    /// The `domain_expertise` label closest to the area.
    pub expertise: &'static str,
    /// Other spellings under which enum / check lists may name the area.
    pub aliases: &'static [&'static str],
    /// First half of agent names ("Regulatory Submission" + "Strategist").
    pub agent_focus: &'static [&'static str],
    pub persona_titles: &'static [&'static str],
    pub departments: &'static [&'static str],
    /// Noun phrases of the area's work.
    pub subjects: &'static [&'static str],
    /// Documents and outputs.
    pub deliverables: &'static [&'static str],
    /// Verb phrases ("draft the clinical study report synopsis").
    pub activities: &'static [&'static str],
    /// JTBD situations ("a new competitor enters my therapeutic area").
    pub situations: &'static [&'static str],
    /// JTBD outcomes ("protect market share").
    pub outcomes: &'static [&'static str],
    /// Systems and data sources.
    pub systems: &'static [&'static str],
    pub skills: &'static [&'static str],
    pub capabilities: &'static [&'static str],
    pub processes: &'static [&'static str],
    /// Knowledge source titles.
    pub documents: &'static [&'static str],
    /// Prose for chunks and answers.
    pub sentences: &'static [&'static str],
}

pub const AREAS: [Area; 14] = [
    Area {
        name: "Commercial",
        slug: "commercial",
        expertise: "commercial",
        aliases: &["commercial", "COMM", "sales", "marketing", "brand"],
        agent_focus: &[
            "Brand Strategy",
            "Launch Sequencing",
            "Omnichannel Engagement",
            "Sales Force Effectiveness",
            "Competitive Intelligence",
            "Customer Segmentation",
            "Forecasting",
        ],
        persona_titles: &[
            "Brand Manager",
            "Product Marketing Manager",
            "Key Account Manager",
            "Commercial Analytics Lead",
            "Omnichannel Marketing Manager",
            "Sales Operations Manager",
        ],
        departments: &[
            "Brand Marketing",
            "Sales Operations",
            "Commercial Analytics",
            "Omnichannel Engagement",
            "Customer Experience",
        ],
        subjects: &[
            "launch readiness",
            "brand positioning",
            "HCP segmentation",
            "omnichannel campaign performance",
            "competitive landscape",
            "sales territory alignment",
            "demand forecasting",
            "patient journey mapping",
        ],
        deliverables: &[
            "Brand Plan",
            "Launch Readiness Scorecard",
            "Competitive Landscape Brief",
            "Segmentation Model",
            "Campaign Performance Report",
            "Demand Forecast",
        ],
        activities: &[
            "refresh the brand positioning",
            "prioritise HCP segments for the launch",
            "benchmark competitor messaging",
            "rebalance sales territories",
            "forecast first-year demand",
            "measure omnichannel campaign lift",
            "map the patient journey",
        ],
        situations: &[
            "a competitor files for a label expansion",
            "launch is six months away",
            "quarterly sales miss the forecast",
            "a new indication is approved",
            "field teams report low message recall",
        ],
        outcomes: &[
            "protect market share",
            "hit the launch uptake curve",
            "focus field effort where it matters",
            "defend the brand's positioning",
            "justify next year's budget",
        ],
        systems: &[
            "Veeva CRM",
            "IQVIA Xponent",
            "Salesforce Health Cloud",
            "Symphony Health PatientSource",
            "Google Analytics 4",
            "Adobe Experience Platform",
        ],
        skills: &[
            "Brand Positioning",
            "HCP Segmentation",
            "Launch Sequencing",
            "Demand Forecasting",
            "Campaign Analytics",
            "Competitive Benchmarking",
            "Territory Design",
            "Messaging Architecture",
        ],
        capabilities: &[
            "Launch Excellence",
            "Brand Planning",
            "Customer Engagement Orchestration",
            "Commercial Forecasting",
            "Competitive Intelligence",
        ],
        processes: &[
            "Brand Planning Cycle",
            "Launch Readiness Review",
            "Quarterly Business Review",
            "Campaign Performance Review",
            "Territory Realignment",
        ],
        documents: &[
            "Launch Playbook",
            "Brand Guidelines",
            "Competitive Intelligence Digest",
            "Market Research Readout",
            "Omnichannel Benchmark Study",
        ],
        sentences: &[
            "Launch readiness depends on aligning market access, medical and field teams at least six months before approval.",
            "Segmenting healthcare professionals by prescribing potential and channel preference improves call planning efficiency.",
            "Competitive messaging should be benchmarked against the latest label and published comparative evidence.",
            "Omnichannel campaigns are evaluated on incremental reach, engagement depth and downstream prescribing behaviour.",
            "Forecasts combine epidemiology, treatment-rate assumptions and analogue uptake curves from comparable launches.",
            "Brand positioning must remain consistent with the approved label and fair-balance requirements.",
            "Territory alignment balances workload, account potential and travel time across the field force.",
            "Patient journey maps reveal where diagnosis delays and treatment drop-off reduce the addressable population.",
        ],
    },
    Area {
        name: "Medical Affairs",
        slug: "medical_affairs",
        expertise: "medical",
        aliases: &["medical", "medical_affairs", "MA", "Medical Affairs"],
        agent_focus: &[
            "Medical Information",
            "Scientific Communication",
            "KOL Engagement",
            "Evidence Generation",
            "Publication Planning",
            "Medical Education",
            "Advisory Board",
        ],
        persona_titles: &[
            "Medical Science Liaison",
            "Medical Director",
            "Medical Information Specialist",
            "Publication Planner",
            "Medical Communications Manager",
            "Field Medical Lead",
        ],
        departments: &[
            "Medical Science Liaison",
            "Medical Information",
            "Medical Communications",
            "Evidence Generation",
            "Medical Education",
        ],
        subjects: &[
            "scientific exchange",
            "KOL insights",
            "publication planning",
            "medical information requests",
            "investigator-initiated studies",
            "advisory board outputs",
            "scientific narrative",
            "evidence gaps",
        ],
        deliverables: &[
            "Scientific Platform",
            "Medical Information Response Letter",
            "Publication Plan",
            "Advisory Board Report",
            "Evidence Gap Analysis",
            "MSL Insight Summary",
        ],
        activities: &[
            "answer an unsolicited medical information request",
            "synthesise field medical insights",
            "plan the congress publication calendar",
            "prepare an advisory board briefing book",
            "identify evidence gaps for the lifecycle plan",
            "update the scientific narrative",
        ],
        situations: &[
            "a KOL questions the long-term safety data",
            "a major congress abstract deadline approaches",
            "field teams report recurring questions from clinicians",
            "new real-world data contradicts our label claims",
            "an advisory board is scheduled next month",
        ],
        outcomes: &[
            "respond with balanced, referenced evidence",
            "shape the scientific narrative",
            "close the most important evidence gaps",
            "keep field medical teams consistent",
            "support appropriate use of the therapy",
        ],
        systems: &[
            "PubMed",
            "Veeva Medical CRM",
            "Datavision",
            "Embase",
            "Congress Abstract Portal",
            "Medical Information Database",
        ],
        skills: &[
            "Scientific Exchange",
            "Literature Appraisal",
            "KOL Mapping",
            "Publication Planning",
            "Medical Writing",
            "Insight Synthesis",
            "Evidence Gap Assessment",
            "Advisory Board Facilitation",
        ],
        capabilities: &[
            "Scientific Communication",
            "Field Medical Excellence",
            "Evidence Planning",
            "Medical Information Services",
            "KOL Engagement",
        ],
        processes: &[
            "Publication Planning Cycle",
            "Medical Information Response",
            "Advisory Board Preparation",
            "Insight Generation Cycle",
            "Investigator-Initiated Study Review",
        ],
        documents: &[
            "Scientific Platform",
            "Standard Response Document",
            "Congress Highlights Report",
            "Systematic Literature Review",
            "Medical Affairs Strategy",
        ],
        sentences: &[
            "Medical information responses must be non-promotional, balanced and fully referenced to the current evidence base.",
            "Medical science liaisons capture field insights that inform the evidence generation and publication plans.",
            "A scientific platform defines the core statements that all medical communications should consistently support.",
            "Advisory boards are convened to obtain expert advice, not to promote the product, and must have a documented need.",
            "Evidence gaps are prioritised by their impact on clinical decision-making, payer acceptance and guideline inclusion.",
            "Publication plans align primary manuscripts, encore presentations and congress abstracts across the lifecycle.",
            "Off-label questions may be answered only when unsolicited and with appropriate documentation of the request.",
            "Key opinion leader mapping combines publication activity, trial involvement and guideline committee membership.",
        ],
    },
    Area {
        name: "Market Access",
        slug: "market_access",
        expertise: "market_access",
        aliases: &["market_access", "HEOR", "access", "Market Access", "payer"],
        agent_focus: &[
            "Payer Value",
            "HEOR Modelling",
            "Pricing Strategy",
            "Reimbursement",
            "HTA Submission",
            "Formulary Access",
            "Real-World Evidence",
        ],
        persona_titles: &[
            "HEOR Scientist",
            "Market Access Director",
            "Pricing Manager",
            "Payer Account Director",
            "Reimbursement Specialist",
            "Health Economist",
        ],
        departments: &[
            "Health Economics & Outcomes Research",
            "Pricing & Reimbursement",
            "Payer Relations",
            "Value & Access Strategy",
        ],
        subjects: &[
            "cost-effectiveness modelling",
            "budget impact",
            "HTA submissions",
            "payer objection handling",
            "value dossiers",
            "formulary positioning",
            "price corridors",
            "real-world outcomes",
        ],
        deliverables: &[
            "Global Value Dossier",
            "Budget Impact Model",
            "Cost-Effectiveness Model",
            "HTA Submission Package",
            "Payer Objection Handler",
            "Pricing Corridor Analysis",
        ],
        activities: &[
            "adapt the global value dossier for a local HTA",
            "build a budget impact model",
            "anticipate payer objections",
            "benchmark international reference prices",
            "synthesise real-world outcomes for payers",
            "prepare a formulary submission",
        ],
        situations: &[
            "a health technology assessment body requests additional evidence",
            "a payer challenges our comparator choice",
            "a competitor undercuts the launch price",
            "a formulary review is scheduled",
            "international reference pricing threatens list price",
        ],
        outcomes: &[
            "secure reimbursement at the target price",
            "demonstrate value to payers",
            "avoid restrictive formulary placement",
            "shorten time to patient access",
            "defend the price corridor",
        ],
        systems: &[
            "NICE Evidence Search",
            "ICER Reports",
            "CMS Formulary Files",
            "IQVIA Market Access Insights",
            "TreeAge Pro",
            "Excel Model Library",
        ],
        skills: &[
            "Cost-Effectiveness Modelling",
            "Budget Impact Analysis",
            "HTA Dossier Writing",
            "Payer Negotiation",
            "Indirect Treatment Comparison",
            "Pricing Analytics",
            "Value Communication",
            "Real-World Evidence Synthesis",
        ],
        capabilities: &[
            "Value Demonstration",
            "Pricing & Reimbursement",
            "HTA Readiness",
            "Payer Engagement",
            "Outcomes Research",
        ],
        processes: &[
            "HTA Submission",
            "Global Pricing Review",
            "Payer Value Story Development",
            "Formulary Submission",
            "Managed Entry Agreement Negotiation",
        ],
        documents: &[
            "ICER Evidence Report",
            "NICE Technology Appraisal Guidance",
            "Global Value Dossier",
            "AMCP Format Dossier",
            "Payer Landscape Assessment",
        ],
        sentences: &[
            "Cost-effectiveness models compare incremental costs and quality-adjusted life years against the relevant standard of care.",
            "Budget impact analyses estimate the net financial consequence of adoption for a specific payer over three to five years.",
            "Health technology assessment bodies scrutinise comparator choice, trial generalisability and long-term extrapolation.",
            "Indirect treatment comparisons are required when head-to-head evidence against the local comparator is missing.",
            "Payers increasingly request real-world evidence to confirm that trial outcomes translate into routine practice.",
            "International reference pricing links list prices across markets, so launch sequencing must protect the price corridor.",
            "Managed entry agreements can share risk when clinical uncertainty remains high at the time of appraisal.",
            "The AMCP dossier format standardises how clinical and economic evidence is presented to US formulary committees.",
        ],
    },
    Area {
        name: "Clinical",
        slug: "clinical",
        expertise: "clinical",
        aliases: &["clinical", "CLIN", "clinical_operations", "Clinical"],
        agent_focus: &[
            "Protocol Design",
            "Trial Feasibility",
            "Site Selection",
            "Patient Recruitment",
            "Clinical Data Review",
            "Endpoint Strategy",
            "Risk-Based Monitoring",
        ],
        persona_titles: &[
            "Clinical Trial Manager",
            "Clinical Operations Director",
            "Clinical Research Associate",
            "Study Start-Up Lead",
            "Biostatistician",
            "Clinical Scientist",
        ],
        departments: &["Clinical Operations", "Clinical Science", "Biostatistics", "Data Management", "Study Start-Up"],
        subjects: &[
            "protocol design",
            "site feasibility",
            "patient recruitment",
            "endpoint selection",
            "risk-based monitoring",
            "protocol deviations",
            "enrolment forecasting",
            "clinical data review",
        ],
        deliverables: &[
            "Clinical Study Protocol",
            "Clinical Study Report",
            "Statistical Analysis Plan",
            "Feasibility Assessment",
            "Monitoring Plan",
            "Recruitment Forecast",
        ],
        activities: &[
            "draft the protocol synopsis",
            "assess site feasibility",
            "forecast enrolment by country",
            "review protocol deviations",
            "select clinically meaningful endpoints",
            "write the clinical study report synopsis",
            "design the risk-based monitoring plan",
        ],
        situations: &[
            "enrolment falls behind plan",
            "a protocol amendment is under discussion",
            "an interim analysis is approaching",
            "sites report high screen-failure rates",
            "a regulator questions the primary endpoint",
        ],
        outcomes: &[
            "deliver the study on time",
            "protect data integrity",
            "reduce the protocol amendment burden",
            "recruit the right patients faster",
            "defend the endpoint choice",
        ],
        systems: &[
            "ClinicalTrials.gov",
            "Medidata Rave",
            "Veeva Vault CTMS",
            "TrialTrove",
            "Citeline Sitetrove",
            "SAS Clinical",
        ],
        skills: &[
            "Protocol Authoring",
            "Feasibility Analysis",
            "Enrolment Forecasting",
            "Endpoint Selection",
            "Risk-Based Monitoring",
            "Clinical Data Review",
            "Statistical Programming",
            "ICH GCP Compliance",
        ],
        capabilities: &[
            "Trial Design",
            "Study Start-Up",
            "Patient Recruitment",
            "Clinical Data Management",
            "Trial Oversight",
        ],
        processes: &[
            "Protocol Development",
            "Site Feasibility",
            "Study Start-Up",
            "Database Lock",
            "Clinical Study Reporting",
        ],
        documents: &[
            "ICH E6(R3) Good Clinical Practice",
            "ICH E9 Statistical Principles",
            "Protocol Template",
            "FDA Guidance on Enrichment Strategies",
            "Site Feasibility Questionnaire",
        ],
        sentences: &[
            "Protocol complexity is a leading driver of amendments, screen failures and site burden.",
            "Feasibility assessments combine historical site performance, competing trials and local standard of care.",
            "Risk-based monitoring focuses source data verification on critical data and processes identified up front.",
            "Primary endpoints must be clinically meaningful, measurable and accepted by the relevant regulators.",
            "Enrolment forecasts are updated monthly using actual site activation and randomisation rates.",
            "The statistical analysis plan is finalised before database lock to protect the integrity of the analysis.",
            "Diverse enrolment requires site selection in communities that reflect the disease population.",
            "Protocol deviations are classified by their potential impact on subject safety and data reliability.",
        ],
    },
    Area {
        name: "Regulatory",
        slug: "regulatory",
        expertise: "regulatory",
        aliases: &["regulatory", "REG", "Regulatory", "regulatory_affairs"],
        agent_focus: &[
            "Regulatory Submission",
            "Labeling Compliance",
            "Regulatory Intelligence",
            "Health Authority Query",
            "eCTD Publishing",
            "CMC Regulatory",
            "Regulatory Pathway",
        ],
        persona_titles: &[
            "Regulatory Affairs Manager",
            "Regulatory Strategy Director",
            "Labeling Specialist",
            "Regulatory Operations Lead",
            "CMC Regulatory Specialist",
            "Regulatory Intelligence Analyst",
        ],
        departments: &[
            "Regulatory Strategy",
            "Regulatory Operations",
            "Labeling",
            "CMC Regulatory",
            "Regulatory Intelligence",
        ],
        subjects: &[
            "submission planning",
            "health authority queries",
            "labeling changes",
            "expedited pathways",
            "eCTD publishing",
            "regulatory intelligence",
            "post-approval variations",
            "pre-submission meetings",
        ],
        deliverables: &[
            "Regulatory Strategy Document",
            "Briefing Package",
            "Response to Health Authority Questions",
            "Company Core Data Sheet",
            "eCTD Module 2 Summary",
            "Variation Filing",
        ],
        activities: &[
            "plan the marketing application timeline",
            "draft responses to health authority questions",
            "assess a labeling change",
            "evaluate eligibility for an expedited pathway",
            "prepare the pre-submission meeting package",
            "track new regulatory guidance",
        ],
        situations: &[
            "a health authority issues a list of questions",
            "new guidance is published for our indication",
            "a safety signal requires a label update",
            "we plan a pre-IND meeting",
            "a submission deadline moves forward",
        ],
        outcomes: &[
            "file a complete submission on time",
            "respond within the agreed timeline",
            "keep labels aligned across markets",
            "qualify for accelerated review",
            "avoid a refuse-to-file",
        ],
        systems: &[
            "FDA Drugs@FDA",
            "EMA EPAR Database",
            "Veeva Vault RIM",
            "Cortellis Regulatory Intelligence",
            "eCTD Viewer",
            "Federal Register Monitor",
        ],
        skills: &[
            "Regulatory Strategy",
            "Submission Planning",
            "Labeling Negotiation",
            "eCTD Publishing",
            "Health Authority Interaction",
            "Regulatory Intelligence",
            "Variation Management",
            "Expedited Pathway Assessment",
        ],
        capabilities: &[
            "Submission Management",
            "Labeling Governance",
            "Regulatory Intelligence",
            "Health Authority Engagement",
            "Lifecycle Maintenance",
        ],
        processes: &[
            "Marketing Application Submission",
            "Health Authority Query Response",
            "Labeling Change Control",
            "Pre-Submission Meeting",
            "Post-Approval Variation",
        ],
        documents: &[
            "FDA Guidance for Industry",
            "EMA Scientific Guideline",
            "ICH M4 Common Technical Document",
            "21 CFR Part 314",
            "EU Variations Regulation Guideline",
        ],
        sentences: &[
            "The common technical document organises quality, nonclinical and clinical information into five modules.",
            "Expedited programmes such as breakthrough therapy designation require preliminary evidence of substantial improvement.",
            "Responses to health authority questions should restate each question and reference the supporting data precisely.",
            "Labeling changes triggered by safety signals must be implemented consistently across all markets within defined timelines.",
            "Pre-submission meetings allow sponsors to confirm the adequacy of the development programme before filing.",
            "Regulatory intelligence tracks new guidances, precedents and advisory committee outcomes relevant to the portfolio.",
            "Post-approval changes are classified by their potential to affect the quality, safety or efficacy of the product.",
            "A refuse-to-file decision usually reflects missing content rather than the merits of the application.",
        ],
    },
    Area {
        name: "R&D",
        slug: "research",
        expertise: "research",
        aliases: &["research", "RND", "R&D", "research_and_development", "discovery"],
        agent_focus: &[
            "Target Discovery",
            "Translational Science",
            "Biomarker Strategy",
            "Preclinical Safety",
            "Literature Mining",
            "Portfolio Prioritisation",
            "Assay Design",
        ],
        persona_titles: &[
            "Research Scientist",
            "Translational Medicine Lead",
            "Discovery Biologist",
            "Computational Chemist",
            "Biomarker Scientist",
            "Portfolio Strategy Director",
        ],
        departments: &[
            "Discovery Biology",
            "Translational Medicine",
            "Computational Sciences",
            "Preclinical Safety",
            "Portfolio Strategy",
        ],
        subjects: &[
            "target validation",
            "biomarker strategy",
            "lead optimisation",
            "preclinical toxicology",
            "mechanism of action",
            "portfolio prioritisation",
            "translational models",
            "omics data",
        ],
        deliverables: &[
            "Target Product Profile",
            "Target Assessment Dossier",
            "Biomarker Plan",
            "Preclinical Study Report",
            "Portfolio Review Pack",
            "Literature Landscape",
        ],
        activities: &[
            "assess a novel target's tractability",
            "design the biomarker strategy",
            "summarise the preclinical safety package",
            "prioritise the discovery portfolio",
            "mine the literature for mechanism evidence",
            "draft the target product profile",
        ],
        situations: &[
            "a new target emerges from genomic data",
            "a lead compound shows off-target toxicity",
            "portfolio review is next quarter",
            "a competitor publishes first-in-class data",
            "translational data conflict with animal models",
        ],
        outcomes: &[
            "invest in the most promising targets",
            "de-risk the move into the clinic",
            "select patients likely to respond",
            "make faster go/no-go decisions",
            "build conviction in the mechanism",
        ],
        systems: &["ChEMBL", "UniProt", "Open Targets Platform", "Benchling", "Genomics England Data", "PubChem"],
        skills: &[
            "Target Validation",
            "Biomarker Discovery",
            "Literature Mining",
            "Toxicology Interpretation",
            "Structure-Activity Analysis",
            "Omics Data Analysis",
            "Translational Modelling",
            "Portfolio Analytics",
        ],
        capabilities: &[
            "Target Discovery",
            "Translational Science",
            "Preclinical Development",
            "Research Informatics",
            "Portfolio Management",
        ],
        processes: &[
            "Target Assessment",
            "Lead Optimisation Review",
            "Candidate Selection",
            "Preclinical Package Assembly",
            "Portfolio Prioritisation",
        ],
        documents: &[
            "Target Product Profile Template",
            "Open Targets Evidence Summary",
            "ICH S6 Preclinical Safety Guideline",
            "Biomarker Qualification Guidance",
            "Discovery Portfolio Review",
        ],
        sentences: &[
            "Target validation combines genetic evidence, pathway biology and tractability before significant chemistry investment.",
            "Biomarker strategies identify the patients most likely to benefit and provide early evidence of target engagement.",
            "Preclinical safety packages characterise the toxicity profile needed to support first-in-human dosing.",
            "Translational models are only useful when they predict human response for the mechanism in question.",
            "A target product profile states the minimum and optimal attributes the final product must achieve.",
            "Portfolio prioritisation weighs probability of technical success, unmet need and commercial potential.",
            "Human genetic evidence roughly doubles the probability that a target progresses successfully through development.",
            "Literature mining surfaces mechanistic links that are scattered across thousands of publications.",
        ],
    },
    Area {
        name: "Manufacturing",
        slug: "manufacturing",
        expertise: "manufacturing",
        aliases: &["manufacturing", "MFG", "cmc", "Manufacturing"],
        agent_focus: &[
            "CMC Strategy",
            "Process Validation",
            "Tech Transfer",
            "Batch Record Review",
            "Supply Planning",
            "Process Analytics",
            "Equipment Qualification",
        ],
        persona_titles: &[
            "Manufacturing Science Lead",
            "Process Engineer",
            "CMC Project Manager",
            "Production Supervisor",
            "Validation Engineer",
            "Tech Transfer Lead",
        ],
        departments: &[
            "Manufacturing Science & Technology",
            "Process Engineering",
            "Production",
            "Validation",
            "CMC Project Management",
        ],
        subjects: &[
            "process validation",
            "technology transfer",
            "batch record review",
            "scale-up",
            "process capability",
            "equipment qualification",
            "yield improvement",
            "continuous manufacturing",
        ],
        deliverables: &[
            "Process Validation Protocol",
            "Tech Transfer Package",
            "Batch Record Review Summary",
            "Process Capability Report",
            "Scale-Up Plan",
            "Equipment Qualification Report",
        ],
        activities: &[
            "review executed batch records",
            "plan the technology transfer",
            "analyse process capability",
            "draft the process validation protocol",
            "investigate a yield drop",
            "qualify new equipment",
        ],
        situations: &[
            "a batch fails an in-process control",
            "we transfer production to a contract manufacturer",
            "demand exceeds current capacity",
            "a process change requires revalidation",
            "yields drift across campaigns",
        ],
        outcomes: &[
            "release batches right first time",
            "transfer the process without supply gaps",
            "keep the process in a validated state",
            "increase yield and capacity",
            "reduce manufacturing deviations",
        ],
        systems: &[
            "SAP S/4HANA",
            "MES Werum PAS-X",
            "OSIsoft PI",
            "LIMS LabWare",
            "Emerson DeltaV",
            "Batch Record System",
        ],
        skills: &[
            "Process Validation",
            "Tech Transfer",
            "Statistical Process Control",
            "Batch Record Review",
            "Scale-Up Engineering",
            "Root Cause Analysis",
            "Equipment Qualification",
            "Continuous Process Verification",
        ],
        capabilities: &[
            "Process Development",
            "Technology Transfer",
            "Manufacturing Operations",
            "Process Analytics",
            "Capacity Planning",
        ],
        processes: &[
            "Technology Transfer",
            "Process Validation",
            "Batch Disposition",
            "Campaign Planning",
            "Equipment Qualification",
        ],
        documents: &[
            "FDA Process Validation Guidance",
            "ICH Q8 Pharmaceutical Development",
            "ICH Q11 Drug Substance Development",
            "Tech Transfer Playbook",
            "Batch Record Template",
        ],
        sentences: &[
            "Process validation follows a lifecycle of process design, process qualification and continued process verification.",
            "Technology transfer packages must capture critical process parameters and their proven acceptable ranges.",
            "Statistical process control charts detect drift before batches fall outside their specifications.",
            "Scale-up changes mixing, heat transfer and hold times, so critical quality attributes must be re-confirmed.",
            "Batch record review by exception focuses attention on deviations and out-of-trend results.",
            "Equipment qualification proceeds through installation, operational and performance qualification.",
            "Continuous manufacturing relies on real-time process analytics to maintain a state of control.",
            "Yield investigations separate raw material variability from equipment and operator effects.",
        ],
    },
    Area {
        name: "Quality",
        slug: "quality",
        expertise: "quality",
        aliases: &["quality", "QA", "Quality", "quality_assurance"],
        agent_focus: &[
            "Deviation Investigation",
            "CAPA Management",
            "GMP Audit",
            "Quality Risk",
            "Document Control",
            "Supplier Quality",
            "Computer System Validation",
        ],
        persona_titles: &[
            "Quality Assurance Manager",
            "QC Analyst",
            "Quality Systems Lead",
            "GMP Auditor",
            "Qualified Person",
            "Validation Specialist",
        ],
        departments: &[
            "Quality Assurance",
            "Quality Control",
            "Quality Systems",
            "Supplier Quality",
            "Computer System Validation",
        ],
        subjects: &[
            "deviation investigations",
            "CAPA effectiveness",
            "GMP inspections",
            "quality risk management",
            "change control",
            "supplier qualification",
            "data integrity",
            "computer system validation",
        ],
        deliverables: &[
            "Deviation Report",
            "CAPA Plan",
            "Audit Report",
            "Quality Risk Assessment",
            "Annual Product Quality Review",
            "Validation Summary Report",
        ],
        activities: &[
            "investigate a deviation to root cause",
            "assess CAPA effectiveness",
            "prepare for a GMP inspection",
            "perform a quality risk assessment",
            "review a change control",
            "qualify a new supplier",
        ],
        situations: &[
            "an inspection is announced",
            "a repeat deviation occurs",
            "a supplier changes a raw material source",
            "an out-of-specification result is reported",
            "audit findings are overdue",
        ],
        outcomes: &[
            "pass the inspection without critical findings",
            "prevent recurrence",
            "keep products compliant",
            "protect data integrity",
            "release product with confidence",
        ],
        systems: &["Veeva Vault QMS", "TrackWise", "MasterControl", "LabWare LIMS", "Empower CDS", "SAP QM"],
        skills: &[
            "Root Cause Analysis",
            "CAPA Management",
            "GMP Auditing",
            "Quality Risk Management",
            "Data Integrity Review",
            "Change Control",
            "Supplier Auditing",
            "Computer System Validation",
        ],
        capabilities: &[
            "Quality Management System",
            "Inspection Readiness",
            "Quality Risk Management",
            "Supplier Quality",
            "Data Integrity Assurance",
        ],
        processes: &[
            "Deviation Management",
            "CAPA Lifecycle",
            "Inspection Readiness",
            "Change Control",
            "Annual Product Quality Review",
        ],
        documents: &[
            "ICH Q9 Quality Risk Management",
            "ICH Q10 Pharmaceutical Quality System",
            "21 CFR Part 11",
            "EU GMP Annex 11",
            "MHRA Data Integrity Guidance",
        ],
        sentences: &[
            "Deviation investigations must identify the true root cause before corrective and preventive actions are defined.",
            "CAPA effectiveness checks confirm that an action actually prevented recurrence rather than only closing the record.",
            "Inspection readiness depends on current procedures, trained staff and records that can be retrieved quickly.",
            "Quality risk management scales the level of effort and documentation to the level of risk to the patient.",
            "Data integrity requires records that are attributable, legible, contemporaneous, original and accurate.",
            "Change control evaluates the impact of every change on validated state, regulatory filings and product quality.",
            "Supplier qualification combines questionnaires, audits and incoming material testing.",
            "Electronic records and signatures must meet the controls described in 21 CFR Part 11 and EU GMP Annex 11.",
        ],
    },
    Area {
        name: "Operations",
        slug: "operations",
        expertise: "business",
        aliases: &["operations", "OPS", "supply_chain", "Operations"],
        agent_focus: &[
            "Supply Chain",
            "Demand Planning",
            "Logistics",
            "Inventory Optimisation",
            "Serialisation",
            "Cold Chain",
            "S&OP",
        ],
        persona_titles: &[
            "Supply Chain Manager",
            "Demand Planner",
            "Logistics Coordinator",
            "Operations Excellence Lead",
            "Distribution Manager",
            "S&OP Lead",
        ],
        departments: &["Supply Chain Planning", "Logistics & Distribution", "Operational Excellence", "Procurement"],
        subjects: &[
            "demand planning",
            "inventory optimisation",
            "cold chain logistics",
            "serialisation",
            "shortage prevention",
            "sales and operations planning",
            "distributor performance",
            "procurement",
        ],
        deliverables: &[
            "S&OP Plan",
            "Inventory Policy",
            "Shortage Risk Register",
            "Distribution Plan",
            "Supplier Scorecard",
            "Logistics Performance Report",
        ],
        activities: &[
            "balance supply and demand in the S&OP cycle",
            "set safety stock levels",
            "assess drug shortage risk",
            "plan cold chain distribution",
            "score supplier performance",
            "reduce expired inventory",
        ],
        situations: &[
            "a key supplier has a capacity constraint",
            "demand spikes after a guideline change",
            "temperature excursions occur in transit",
            "inventory write-offs increase",
            "a new market opens",
        ],
        outcomes: &[
            "prevent stock-outs",
            "reduce working capital",
            "keep the cold chain intact",
            "serve patients reliably",
            "lower logistics cost",
        ],
        systems: &["SAP IBP", "Kinaxis RapidResponse", "TraceLink", "Blue Yonder", "Sensitech ColdStream", "Coupa"],
        skills: &[
            "Demand Planning",
            "Inventory Optimisation",
            "S&OP Facilitation",
            "Cold Chain Management",
            "Supplier Management",
            "Logistics Analytics",
            "Serialisation Compliance",
            "Lean Six Sigma",
        ],
        capabilities: &[
            "Supply Planning",
            "Distribution Excellence",
            "Inventory Management",
            "Procurement Excellence",
            "Operational Excellence",
        ],
        processes: &[
            "Sales & Operations Planning",
            "Shortage Response",
            "Supplier Performance Review",
            "Distribution Planning",
            "Inventory Review",
        ],
        documents: &[
            "EU Good Distribution Practice Guidelines",
            "DSCSA Compliance Guide",
            "S&OP Playbook",
            "Cold Chain Handbook",
            "Supplier Quality Agreement",
        ],
        sentences: &[
            "Sales and operations planning aligns demand, supply and finance on one monthly plan.",
            "Safety stock levels reflect demand variability, supply lead time and the target service level.",
            "Good distribution practice requires temperature-controlled storage and documented transport conditions.",
            "Serialisation enables each pack to be traced from manufacturer to dispenser under the DSCSA.",
            "Shortage risk is highest for sole-sourced materials with long lead times and limited alternative suppliers.",
            "Supplier scorecards combine on-time delivery, quality incidents and responsiveness.",
            "Temperature excursions must be assessed against stability data before product can be released for sale.",
            "Expired inventory is reduced by aligning batch sizes and shelf life with market demand.",
        ],
    },
    Area {
        name: "IT/Digital",
        slug: "it_digital",
        expertise: "technical",
        aliases: &["technical", "IT", "IT/Digital", "digital", "it_digital"],
        agent_focus: &[
            "Data Platform",
            "AI Governance",
            "Integration Architecture",
            "Cybersecurity",
            "Digital Health Product",
            "Analytics Engineering",
            "GxP Validation",
        ],
        persona_titles: &[
            "Data Engineer",
            "Solution Architect",
            "AI Product Owner",
            "Information Security Manager",
            "Digital Health Product Manager",
            "IT Business Partner",
        ],
        departments: &[
            "Enterprise Architecture",
            "Data & Analytics",
            "Information Security",
            "Digital Products",
            "IT Business Partnering",
        ],
        subjects: &[
            "data integration",
            "AI governance",
            "cloud migration",
            "cybersecurity controls",
            "software as a medical device",
            "master data management",
            "API design",
            "GxP system validation",
        ],
        deliverables: &[
            "Solution Architecture Document",
            "Data Model",
            "AI Risk Assessment",
            "Security Assessment Report",
            "Integration Specification",
            "Validation Plan",
        ],
        activities: &[
            "design the integration architecture",
            "assess the risk of an AI use case",
            "plan the cloud migration",
            "review security controls",
            "define the master data model",
            "validate a GxP system",
        ],
        situations: &[
            "a business team wants to deploy a generative AI assistant",
            "a legacy system reaches end of life",
            "a security incident is reported",
            "data silos block analytics",
            "a new SaMD product is planned",
        ],
        outcomes: &[
            "deliver trustworthy AI",
            "keep systems compliant and secure",
            "make data reusable across functions",
            "ship digital products faster",
            "reduce technical debt",
        ],
        systems: &[
            "Snowflake",
            "Databricks",
            "AWS HealthLake",
            "MuleSoft Anypoint",
            "ServiceNow",
            "Azure OpenAI Service",
        ],
        skills: &[
            "Data Engineering",
            "AI Risk Assessment",
            "Cloud Architecture",
            "API Design",
            "Security Engineering",
            "GxP Validation",
            "MLOps",
            "Master Data Management",
        ],
        capabilities: &[
            "Data Platform",
            "AI Enablement",
            "Integration Services",
            "Cyber Resilience",
            "Digital Product Delivery",
        ],
        processes: &[
            "AI Use Case Intake",
            "Solution Design Review",
            "Security Incident Response",
            "GxP System Validation",
            "Release Management",
        ],
        documents: &[
            "NIST AI Risk Management Framework",
            "FDA Guidance on Software as a Medical Device",
            "GAMP 5 Second Edition",
            "EU AI Act Summary",
            "HL7 FHIR R4 Specification",
        ],
        sentences: &[
            "Generative AI use cases are risk-assessed for data sensitivity, intended use and the need for human review.",
            "GAMP 5 promotes a risk-based approach to computerised system validation focused on patient safety.",
            "FHIR resources provide a standard way to exchange clinical data between systems.",
            "A master data model gives products, customers and sites one definition across functions.",
            "Retrieval-augmented generation grounds model answers in approved, citable enterprise content.",
            "Security controls follow least privilege, encryption in transit and at rest, and continuous monitoring.",
            "Software as a medical device is regulated according to the significance of the information it provides.",
            "Model monitoring detects drift in inputs and outputs after an AI system is deployed.",
        ],
    },
    Area {
        name: "Legal",
        slug: "legal",
        expertise: "legal",
        aliases: &["legal", "LEGAL", "Legal", "compliance"],
        agent_focus: &[
            "Contract Review",
            "Patent Strategy",
            "Compliance Monitoring",
            "Privacy",
            "Promotional Review",
            "Litigation Support",
            "Transparency Reporting",
        ],
        persona_titles: &[
            "Legal Counsel",
            "Patent Attorney",
            "Compliance Officer",
            "Privacy Officer",
            "Contracts Manager",
            "Promotional Review Lead",
        ],
        departments: &["Legal Affairs", "Intellectual Property", "Ethics & Compliance", "Data Privacy", "Contracts"],
        subjects: &[
            "contract negotiation",
            "patent exclusivity",
            "anti-kickback compliance",
            "data privacy",
            "promotional review",
            "transparency reporting",
            "litigation holds",
            "licensing terms",
        ],
        deliverables: &[
            "Contract Redline",
            "Freedom-to-Operate Opinion",
            "Compliance Risk Assessment",
            "Privacy Impact Assessment",
            "Promotional Review Record",
            "Transparency Report",
        ],
        activities: &[
            "review a clinical trial agreement",
            "assess patent exclusivity",
            "run a privacy impact assessment",
            "review promotional material",
            "prepare the transparency report",
            "evaluate a licensing term sheet",
        ],
        situations: &[
            "a partner sends a non-standard contract",
            "a generic challenger files a patent challenge",
            "a new data processing activity is planned",
            "a promotional claim is disputed",
            "a transparency deadline approaches",
        ],
        outcomes: &[
            "limit legal exposure",
            "extend market exclusivity",
            "protect personal data",
            "keep promotion compliant",
            "close deals faster",
        ],
        systems: &["Orange Book", "Espacenet", "Ironclad CLM", "OneTrust", "Veeva PromoMats", "Open Payments Portal"],
        skills: &[
            "Contract Negotiation",
            "Patent Analysis",
            "Privacy Assessment",
            "Promotional Compliance",
            "Transparency Reporting",
            "Regulatory Law",
            "Licensing",
            "Investigations",
        ],
        capabilities: &[
            "Contract Management",
            "IP Protection",
            "Compliance Assurance",
            "Privacy Governance",
            "Promotional Governance",
        ],
        processes: &[
            "Contract Lifecycle",
            "Promotional Material Review",
            "Privacy Impact Assessment",
            "Patent Term Management",
            "Compliance Investigation",
        ],
        documents: &[
            "Orange Book Patent Listing Rules",
            "GDPR Article 35 Guidance",
            "PhRMA Code on Interactions with HCPs",
            "Sunshine Act Reporting Guide",
            "EFPIA Disclosure Code",
        ],
        sentences: &[
            "Clinical trial agreements allocate responsibilities for indemnification, publication rights and subject injury.",
            "Patent term extensions can restore part of the exclusivity lost during regulatory review.",
            "Interactions with healthcare professionals must follow anti-kickback rules and industry codes of practice.",
            "A privacy impact assessment is required when processing is likely to result in high risk to individuals.",
            "Promotional materials are reviewed by medical, legal and regulatory functions before use.",
            "Transfers of value to healthcare professionals are disclosed under the Sunshine Act and EFPIA code.",
            "Litigation holds suspend routine deletion of documents that may be relevant to a dispute.",
            "Licensing term sheets define milestones, royalties and territorial rights before definitive agreements.",
        ],
    },
    Area {
        name: "Finance",
        slug: "finance",
        expertise: "financial",
        aliases: &["financial", "FIN", "Finance", "finance"],
        agent_focus: &[
            "Financial Planning",
            "R&D Cost Control",
            "Revenue Forecasting",
            "Gross-to-Net",
            "Capital Allocation",
            "Procurement Analytics",
            "Transfer Pricing",
        ],
        persona_titles: &[
            "Financial Controller",
            "FP&A Manager",
            "R&D Finance Business Partner",
            "Gross-to-Net Analyst",
            "Treasury Manager",
            "Cost Accountant",
        ],
        departments: &["Financial Planning & Analysis", "R&D Finance", "Commercial Finance", "Treasury", "Accounting"],
        subjects: &[
            "budget variance",
            "gross-to-net",
            "R&D spend",
            "revenue forecasting",
            "capital allocation",
            "accruals",
            "cost of goods",
            "transfer pricing",
        ],
        deliverables: &[
            "Budget Variance Report",
            "Gross-to-Net Bridge",
            "Revenue Forecast",
            "Business Case",
            "Clinical Trial Accrual Schedule",
            "Capital Allocation Memo",
        ],
        activities: &[
            "explain the monthly budget variance",
            "build the gross-to-net bridge",
            "forecast quarterly revenue",
            "assess a capital investment",
            "reconcile clinical trial accruals",
            "model cost of goods",
        ],
        situations: &[
            "quarter close is next week",
            "rebates grow faster than expected",
            "a trial is delayed and spend shifts",
            "leadership asks for a business case",
            "currency movements hit reported revenue",
        ],
        outcomes: &[
            "close the books accurately",
            "protect net revenue",
            "allocate capital to the best projects",
            "keep R&D spend on budget",
            "explain performance to leadership",
        ],
        systems: &["SAP S/4HANA Finance", "Anaplan", "Oracle Hyperion", "Workday Financials", "Power BI", "BlackLine"],
        skills: &[
            "Financial Modelling",
            "Variance Analysis",
            "Gross-to-Net Analysis",
            "Revenue Forecasting",
            "Accrual Accounting",
            "Capital Budgeting",
            "Cost Accounting",
            "Scenario Planning",
        ],
        capabilities: &[
            "Financial Planning",
            "Revenue Management",
            "R&D Cost Management",
            "Capital Allocation",
            "Financial Close",
        ],
        processes: &[
            "Monthly Close",
            "Annual Budget Cycle",
            "Rolling Forecast",
            "Business Case Review",
            "Accrual Reconciliation",
        ],
        documents: &[
            "IFRS 15 Revenue Recognition Guide",
            "Gross-to-Net Methodology",
            "Capital Allocation Policy",
            "Clinical Trial Accrual Procedure",
            "Transfer Pricing Guidelines",
        ],
        sentences: &[
            "Gross-to-net deductions include rebates, chargebacks, discounts and returns that reduce reported revenue.",
            "Clinical trial accruals estimate costs incurred but not yet invoiced by sites and vendors.",
            "Variance analysis separates volume, price and mix effects to explain deviations from budget.",
            "Capital allocation compares risk-adjusted net present value across competing projects.",
            "Rolling forecasts replace the static annual budget with a continuously updated outlook.",
            "Revenue recognition follows the transfer of control of the product to the customer.",
            "Currency movements are reported separately so that operational performance remains visible.",
            "Cost of goods models combine materials, conversion costs and overhead absorption per unit.",
        ],
    },
    Area {
        name: "HR",
        slug: "hr",
        expertise: "business",
        aliases: &["HR", "hr", "human_resources", "talent"],
        agent_focus: &[
            "Talent Acquisition",
            "Learning & Development",
            "Workforce Planning",
            "Performance Coaching",
            "Compensation Analysis",
            "Employee Experience",
            "Compliance Training",
        ],
        persona_titles: &[
            "HR Business Partner",
            "Talent Acquisition Lead",
            "Learning & Development Manager",
            "Compensation Analyst",
            "Workforce Planning Manager",
            "People Analytics Lead",
        ],
        departments: &[
            "Talent Acquisition",
            "Learning & Development",
            "Total Rewards",
            "People Analytics",
            "HR Business Partnering",
        ],
        subjects: &[
            "workforce planning",
            "talent acquisition",
            "GxP training compliance",
            "compensation benchmarking",
            "succession planning",
            "employee engagement",
            "skills mapping",
            "onboarding",
        ],
        deliverables: &[
            "Workforce Plan",
            "Job Description",
            "Training Matrix",
            "Compensation Benchmark",
            "Succession Plan",
            "Engagement Survey Readout",
        ],
        activities: &[
            "plan headcount for the launch",
            "write a job description for a scarce role",
            "track GxP training completion",
            "benchmark compensation",
            "build a succession plan",
            "analyse engagement survey results",
        ],
        situations: &[
            "a launch requires a new field force",
            "training completion drops before an inspection",
            "attrition rises in a critical team",
            "a reorganisation is announced",
            "skills gaps slow an AI programme",
        ],
        outcomes: &[
            "hire the right people in time",
            "keep training records inspection-ready",
            "retain critical talent",
            "build future capabilities",
            "support a fair pay structure",
        ],
        systems: &[
            "Workday HCM",
            "SuccessFactors",
            "Cornerstone LMS",
            "LinkedIn Talent Insights",
            "Glint",
            "Greenhouse",
        ],
        skills: &[
            "Workforce Planning",
            "Talent Sourcing",
            "Learning Design",
            "Compensation Benchmarking",
            "Succession Planning",
            "People Analytics",
            "Change Management",
            "Coaching",
        ],
        capabilities: &[
            "Talent Management",
            "Learning & Development",
            "Total Rewards",
            "Organisation Design",
            "People Analytics",
        ],
        processes: &[
            "Requisition to Hire",
            "Annual Performance Review",
            "Training Assignment",
            "Succession Review",
            "Onboarding",
        ],
        documents: &[
            "GxP Training Procedure",
            "Competency Framework",
            "Compensation Philosophy",
            "Onboarding Guide",
            "Workforce Planning Toolkit",
        ],
        sentences: &[
            "GxP roles require documented training on current procedures before performing regulated work.",
            "Workforce plans translate portfolio milestones into hiring, redeployment and upskilling needs.",
            "Competency frameworks describe observable behaviours at each proficiency level.",
            "Compensation benchmarking compares pay against peers of similar size and therapeutic focus.",
            "Succession plans identify ready-now and ready-later candidates for critical roles.",
            "Engagement surveys are followed by team-level action plans owned by managers.",
            "Structured onboarding shortens the time for new hires to reach full productivity.",
            "Scarce skills in data science and regulatory science often require targeted sourcing strategies.",
        ],
    },
    Area {
        name: "Business Development",
        slug: "business_development",
        expertise: "business",
        aliases: &["business", "BD", "Business Development", "business_development", "licensing"],
        agent_focus: &[
            "Asset Scouting",
            "Due Diligence",
            "Deal Valuation",
            "Alliance Management",
            "Licensing Strategy",
            "Competitive Deal Tracking",
            "Partnering",
        ],
        persona_titles: &[
            "Business Development Director",
            "Search & Evaluation Lead",
            "Alliance Manager",
            "Licensing Manager",
            "Corporate Strategy Analyst",
            "Transaction Manager",
        ],
        departments: &["Search & Evaluation", "Alliance Management", "Licensing", "Corporate Strategy", "Transactions"],
        subjects: &[
            "asset scouting",
            "due diligence",
            "deal valuation",
            "alliance governance",
            "licensing terms",
            "deal benchmarking",
            "partnering events",
            "portfolio fit",
        ],
        deliverables: &[
            "Asset Evaluation Memo",
            "Due Diligence Report",
            "Deal Valuation Model",
            "Term Sheet",
            "Alliance Health Check",
            "Deal Benchmark Analysis",
        ],
        activities: &[
            "screen in-licensing opportunities",
            "run scientific due diligence",
            "value a licensing deal",
            "benchmark comparable deals",
            "prepare an alliance steering committee",
            "assess portfolio fit",
        ],
        situations: &[
            "a biotech approaches us with a phase 2 asset",
            "a partnering conference is next month",
            "an alliance milestone is at risk",
            "leadership wants to fill a pipeline gap",
            "a competitor signs a major deal",
        ],
        outcomes: &[
            "fill pipeline gaps with the right assets",
            "avoid overpaying for deals",
            "keep alliances productive",
            "move from first contact to term sheet quickly",
            "make confident investment decisions",
        ],
        systems: &[
            "Cortellis Deals Intelligence",
            "EvaluatePharma",
            "BioCentury BCIQ",
            "PitchBook",
            "GlobalData Pharma",
            "DealForma",
        ],
        skills: &[
            "Asset Evaluation",
            "Due Diligence Management",
            "Deal Valuation",
            "Negotiation",
            "Alliance Governance",
            "Market Assessment",
            "Deal Benchmarking",
            "Portfolio Strategy",
        ],
        capabilities: &[
            "Search & Evaluation",
            "Transaction Execution",
            "Alliance Management",
            "Deal Analytics",
            "Corporate Strategy",
        ],
        processes: &[
            "Opportunity Screening",
            "Due Diligence",
            "Deal Negotiation",
            "Alliance Governance",
            "Post-Deal Integration",
        ],
        documents: &[
            "Deal Benchmark Report",
            "Due Diligence Checklist",
            "Licensing Term Sheet Template",
            "Alliance Governance Charter",
            "Pipeline Gap Analysis",
        ],
        sentences: &[
            "Asset screening compares the scientific rationale, development risk and strategic fit of external opportunities.",
            "Due diligence covers clinical data, CMC readiness, intellectual property and regulatory history.",
            "Deal valuations use risk-adjusted net present value with probability of success by phase.",
            "Comparable deals benchmark upfront payments, milestones and royalty tiers for similar assets.",
            "Alliance governance relies on joint steering committees with clear decision rights.",
            "Term sheets capture the key economic and governance terms before definitive agreements are drafted.",
            "Pipeline gap analyses identify therapeutic areas and phases where internal programmes are insufficient.",
            "Post-deal integration plans protect the value of the transaction in the first hundred days.",
        ],
    },
];

pub const THERAPEUTIC_AREAS: &[&str] = &[
    "Oncology",
    "Immunology",
    "Neurology",
    "Cardiology",
    "Rare Diseases",
    "Infectious Diseases",
    "Respiratory",
    "Dermatology",
    "Hematology",
    "Endocrinology",
    "Ophthalmology",
    "Vaccines",
];

pub const SENIORITIES: &[&str] = &["Senior", "Associate", "Lead", "Principal", "Global", "Regional"];

pub const AGENT_ROLES: &[&str] = &[
    "Strategist",
    "Analyst",
    "Advisor",
    "Specialist",
    "Reviewer",
    "Architect",
    "Navigator",
    "Expert",
    "Coordinator",
    "Orchestrator",
    "Synthesizer",
    "Copilot",
];

/// Qualifiers appended to a label that is already taken.
pub const QUALIFIERS: &[&str] = &[
    "Oncology",
    "EU",
    "US",
    "APAC",
    "Rare Diseases",
    "Immunology",
    "Neurology",
    "Vaccines",
    "Cardiometabolic",
    "LATAM",
    "Japan",
    "Biologics",
];

pub const FIRST_NAMES: &[&str] = &[
    "Amelia", "Noah", "Priya", "Lucas", "Sofia", "Kenji", "Fatima", "Daniel", "Elena", "Omar", "Hannah", "Mateo",
    "Aisha", "Jonas", "Chloe", "Ravi", "Ingrid", "Samuel", "Mei", "Thomas", "Laura", "Diego", "Nora", "Arjun", "Grace",
    "Felix", "Yara", "Ethan", "Clara", "Hugo",
];

pub const LAST_NAMES: &[&str] = &[
    "Schneider",
    "Okafor",
    "Patel",
    "Moreau",
    "Rossi",
    "Tanaka",
    "Haddad",
    "Nguyen",
    "Kowalski",
    "Andersson",
    "Garcia",
    "Müller",
    "O'Brien",
    "Fischer",
    "Silva",
    "Chen",
    "Dubois",
    "Novak",
    "Khan",
    "Larsen",
    "Costa",
    "Weber",
    "Ivanova",
    "Mensah",
    "Park",
    "Hughes",
    "Berg",
    "Lopez",
];

/// Names of the generated (non-documented) tenants, in order.
pub const TENANT_NAMES: &[&str] = &[
    "Northwind Biotech",
    "Helix Digital Health",
    "Meridian Medtech",
    "Cobalt Health Plan",
    "Atlas Life Sciences Consulting",
    "Orion Therapeutics",
    "Vireo Biologics",
    "Summit Diagnostics",
    "Lumen Genomics",
    "Calyx Pharma",
    "Borealis Health Partners",
    "Keystone Clinical Research",
];

pub const LLM_MODELS: &[&str] =
    &["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "claude-3-haiku", "gemini-1.5-pro", "llama-3.1-70b"];
pub const LLM_PROVIDERS: &[&str] = &["openai", "anthropic", "google", "meta"];
pub const EMBEDDING_MODEL: &str = "text-embedding-3-small";

pub const DOMAINS: &[&str] = &[
    "Clinical Development",
    "Regulatory Science",
    "Medical Affairs",
    "Market Access & HEOR",
    "Commercial Excellence",
    "Pharmacovigilance & Safety",
    "Manufacturing & CMC",
    "Quality & Compliance",
    "Research & Discovery",
    "Digital Health",
    "Data & Analytics",
    "Corporate Functions",
];
/// The area that best matches each of [`DOMAINS`].
pub const DOMAIN_AREAS: &[usize] = &[3, 4, 1, 2, 0, 7, 6, 7, 5, 9, 9, 11];

pub const STRATEGIC_PRIORITIES: &[&str] = &[
    "Accelerate Time to Submission",
    "Launch Excellence in Oncology",
    "Expand Patient Access",
    "Build Real-World Evidence Leadership",
    "Scale Trustworthy Generative AI",
    "Reduce Cost of Quality",
    "Strengthen Supply Resilience",
    "Grow the Rare Disease Franchise",
    "Modernise Clinical Operations",
    "Deepen HCP Engagement",
    "Inspection Readiness Everywhere",
    "Data as a Strategic Asset",
];

pub const PANEL_FORMATS: &[&str] = &[
    "Advisory Board",
    "Tumour Board Simulation",
    "Payer Panel",
    "Launch War Room",
    "Safety Review Committee",
    "Evidence Council",
    "Regulatory Mock Hearing",
    "Portfolio Council",
];

pub const MESSAGE_OPENERS: &[&str] = &[
    "Based on the available evidence,",
    "In short,",
    "From a practical standpoint,",
    "Looking at comparable cases,",
    "The key consideration is that",
    "To summarise the guidance,",
];

pub const QUESTION_TEMPLATES: &[&str] = &[
    "How should we approach {s} for our {ta} programme?",
    "What are the main risks in {s} this quarter?",
    "Can you summarise current best practice for {s}?",
    "Which evidence supports our position on {s}?",
    "What would a regulator expect to see regarding {s}?",
    "How do leading companies organise {s}?",
];

pub const GENERIC_NOUNS: &[&str] = &["overview", "review", "summary", "checklist", "brief", "assessment"];

impl LabelKind {
    /// Whether rows of this kind are about one functional area (which their children and
    /// junction rows then inherit).
    pub fn has_area(self) -> bool {
        !matches!(
            self,
            LabelKind::Generic | LabelKind::Person | LabelKind::Tenant | LabelKind::ApiKey | LabelKind::Policy
        )
    }
}

/// Lower-cases the first character ("Target validation…" after "In short, ").
pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// "Evaluate Eligibility for an HTA Pathway" → "evaluate eligibility for an HTA pathway":
/// lower-cases title-cased words, keeps acronyms.
pub fn sentence_lower(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let upper = w.chars().filter(char::is_ascii_uppercase).count();
            if upper == 1 && w.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                lower_first(w)
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A label without the qualifier added to keep it unique ("X – Oncology" → "X").
pub fn base_label(label: &str) -> &str {
    label.split(" – ").next().unwrap_or(label).split(" #").next().unwrap_or(label)
}

/// What kind of thing a table's rows are, which decides how their labels read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelKind {
    Agent,
    Persona,
    Function,
    Jtbd,
    Prompt,
    PromptSuite,
    Tool,
    Skill,
    Knowledge,
    Template,
    Domain,
    Capability,
    Priority,
    UseCase,
    Workflow,
    Task,
    Step,
    Department,
    Role,
    Responsibility,
    Person,
    Tenant,
    Solution,
    Panel,
    PanelTemplate,
    Consultation,
    Deliverable,
    Artifact,
    Outcome,
    Opportunity,
    ApiKey,
    Vote,
    Policy,
    Generic,
}

/// The label kind of a table, from its name.
pub fn label_kind(table: &str) -> LabelKind {
    use LabelKind as K;
    match table {
        "agents" => K::Agent,
        "personas" => K::Persona,
        "org_functions" => K::Function,
        "jobs_to_be_done" | "jtbds" => K::Jtbd,
        "prompts" => K::Prompt,
        "solution_prompt_suites" => K::PromptSuite,
        "tools" => K::Tool,
        "skills" => K::Skill,
        "knowledge_sources" => K::Knowledge,
        "templates" => K::Template,
        "domains" => K::Domain,
        "capabilities" => K::Capability,
        "strategic_priorities" => K::Priority,
        "use_cases" | "jtbd_gen_ai_use_cases" => K::UseCase,
        "workflows" => K::Workflow,
        "tasks" => K::Task,
        "steps" | "workflow_step_definitions" => K::Step,
        "org_departments" => K::Department,
        "org_roles" => K::Role,
        "org_responsibilities" => K::Responsibility,
        "user_profiles" => K::Person,
        "tenants" => K::Tenant,
        "solutions" => K::Solution,
        "panel_discussions" => K::Panel,
        "panel_templates" | "panel_facilitator_configs" => K::PanelTemplate,
        "expert_consultations" | "consultation_sessions" => K::Consultation,
        "deliverables" | "task_outputs" => K::Deliverable,
        "artifacts" => K::Artifact,
        "jtbd_desired_outcomes" => K::Outcome,
        "jtbd_gen_ai_opportunities" => K::Opportunity,
        "api_keys" => K::ApiKey,
        "votes" => K::Vote,
        "data_retention_policies" => K::Policy,
        _ => K::Generic,
    }
}

/// Upper-case first letter of each word.
pub fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f)
                    if w.len() > 3
                        || !matches!(w, "the" | "a" | "an" | "and" | "of" | "for" | "to" | "in" | "on" | "by") =>
                {
                    f.to_uppercase().collect::<String>() + c.as_str()
                }
                Some(f) => f.to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `"Regulatory Submission Strategist"` → `"regulatory-submission-strategist"`.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        let c = match c {
            'ä' | 'á' | 'à' | 'â' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ö' | 'ó' | 'ô' => 'o',
            'ü' | 'ú' => 'u',
            'í' | 'ï' => 'i',
            other => other,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else if c == '&' {
            if !dash && !out.is_empty() {
                out.push('-');
            }
            out.push_str("and-");
            dash = true;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Fills `{s}` (a subject of `area`) and `{ta}` (a therapeutic area) in a template.
pub fn fill(template: &str, area: &Area, rng: &mut Rng) -> String {
    let mut out = template.to_string();
    while out.contains("{s}") {
        out = out.replacen("{s}", rng.word(area.subjects), 1);
    }
    while out.contains("{ta}") {
        out = out.replacen("{ta}", &rng.word(THERAPEUTIC_AREAS).to_lowercase(), 1);
    }
    out
}

/// A paragraph of `n` sentences from the area's prose (distinct where possible).
pub fn paragraph(area: &Area, n: usize, rng: &mut Rng) -> String {
    let idx = rng.distinct(area.sentences.len(), n);
    idx.iter().map(|&i| area.sentences[i]).collect::<Vec<_>>().join(" ")
}

/// The label of one row. `ordinal` is the row's position under its parent (departments of
/// a function, steps of a task), `row` its position in the table.
#[allow(clippy::match_same_arms)]
pub fn label(
    kind: LabelKind,
    area: &Area,
    ordinal: usize,
    row: usize,
    parent: Option<&str>,
    rng: &mut Rng,
    table: &str,
) -> String {
    use LabelKind as K;
    match kind {
        K::Agent => format!("{} {}", rng.word(area.agent_focus), rng.word(AGENT_ROLES)),
        K::Persona => {
            format!("{} {} - {}", rng.word(SENIORITIES), rng.word(area.persona_titles), rng.word(THERAPEUTIC_AREAS))
        }
        K::Jtbd => capitalize(rng.word(area.activities)),
        K::Prompt => format!("{} Prompt", title_case(rng.word(area.activities))),
        K::PromptSuite => format!("{} Prompt Suite", rng.word(area.capabilities)),
        K::Tool => {
            const ACTIONS: &[&str] = &["Search", "Lookup", "Connector", "Extractor", "Analyzer", "Exporter", "Monitor"];
            format!("{} {}", rng.word(area.systems), rng.word(ACTIONS))
        }
        K::Skill => rng.word(area.skills).to_string(),
        K::Knowledge => rng.word(area.documents).to_string(),
        K::Template => format!("{} Template", rng.word(area.deliverables)),
        K::Domain => DOMAINS.get(row).map_or_else(|| rng.word(DOMAINS).to_string(), |d| (*d).to_string()),
        K::Capability => rng.word(area.capabilities).to_string(),
        K::Priority => STRATEGIC_PRIORITIES
            .get(row)
            .map_or_else(|| rng.word(STRATEGIC_PRIORITIES).to_string(), |d| (*d).to_string()),
        K::UseCase => format!("AI-Assisted {}", title_case(rng.word(area.subjects))),
        K::Workflow => format!("{} Workflow", rng.word(area.processes)),
        K::Task => title_case(rng.word(area.activities)),
        K::Step => {
            const VERBS: &[&str] = &[
                "Collect",
                "Validate",
                "Summarise",
                "Review",
                "Draft",
                "Approve",
                "Publish",
                "Reconcile",
                "Check",
                "Archive",
            ];
            format!("{} {}", VERBS[(ordinal + row) % VERBS.len()], rng.word(area.subjects))
        }
        K::Department => area.departments.get(ordinal).map_or_else(
            || format!("{} {}", area.name, rng.word(&["Excellence", "Operations", "Strategy"])),
            |d| (*d).to_string(),
        ),
        K::Function => area.name.to_string(),
        K::Role => {
            const LEVELS: &[&str] = &["", "Senior ", "Associate ", "Lead ", "Principal ", "Head of "];
            let titles = area.persona_titles;
            let title = titles[(row + ordinal) % titles.len()];
            let level = LEVELS[(row / titles.len()) % LEVELS.len()];
            let _ = parent;
            if level == "Head of " { format!("Head of {}", parent.unwrap_or(title)) } else { format!("{level}{title}") }
        }
        K::Responsibility => capitalize(rng.word(area.activities)),
        K::Person => format!("{} {}", rng.word(FIRST_NAMES), rng.word(LAST_NAMES)),
        K::Tenant => TENANT_NAMES.get(row).map_or_else(
            || {
                format!(
                    "{} {}",
                    rng.word(&["Nova", "Aurora", "Zenith", "Apex"]),
                    rng.word(&["Pharma", "Bio", "Health"])
                )
            },
            |n| (*n).to_string(),
        ),
        K::Solution => format!("{} {} Accelerator", rng.word(THERAPEUTIC_AREAS), area.name),
        K::Panel => format!(
            "{} {}: {}",
            rng.word(THERAPEUTIC_AREAS),
            rng.word(PANEL_FORMATS),
            capitalize(rng.word(area.subjects))
        ),
        K::PanelTemplate => format!("{} {} Panel", area.name, rng.word(PANEL_FORMATS)),
        K::Consultation => capitalize(&fill(rng.word(QUESTION_TEMPLATES), area, rng)).trim_end_matches('?').to_string(),
        K::Deliverable => rng.word(area.deliverables).to_string(),
        K::Artifact => {
            format!("{}.{}", slugify(rng.word(area.deliverables)), rng.word(&["pdf", "docx", "xlsx", "pptx", "csv"]))
        }
        K::Outcome => format!(
            "{} the time it takes to {}",
            rng.word(&["Minimise", "Reduce", "Shorten"]),
            rng.word(area.activities)
        ),
        K::Opportunity => format!("Generative AI to {}", rng.word(area.activities)),
        K::ApiKey => format!("{} integration key", rng.word(area.systems)),
        K::Vote => format!("Approve the {}", rng.word(area.deliverables).to_lowercase()),
        K::Policy => format!(
            "{} records retention",
            rng.word(&[
                "Audit",
                "Consultation",
                "Clinical",
                "Safety",
                "Financial",
                "Training",
                "Quality",
                "Promotional"
            ])
        ),
        K::Generic => {
            let singular = entity::naming::singular(table).replace('_', " ");
            format!("{} – {}", title_case(&singular), rng.word(area.subjects))
        }
    }
}

/// A JTBD statement in the "When …, I want to …, so I can …" form, around `activity`.
pub fn jtbd_statement(area: &Area, activity: &str, rng: &mut Rng) -> String {
    format!(
        "When {}, I want to {}, so I can {}.",
        rng.word(area.situations),
        activity.to_lowercase(),
        rng.word(area.outcomes)
    )
}

/// The area index whose name or aliases match `s` (case-insensitively).
pub fn area_matching(s: &str) -> Option<usize> {
    AREAS.iter().position(|a| {
        a.name.eq_ignore_ascii_case(s)
            || a.slug.eq_ignore_ascii_case(s)
            || a.aliases.iter().any(|x| x.eq_ignore_ascii_case(s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_usable() {
        for a in &AREAS {
            for list in [
                a.agent_focus,
                a.persona_titles,
                a.departments,
                a.subjects,
                a.deliverables,
                a.activities,
                a.situations,
                a.outcomes,
                a.systems,
                a.skills,
                a.capabilities,
                a.processes,
                a.documents,
                a.sentences,
            ] {
                assert!(list.len() >= 4, "{} has a short list", a.name);
            }
        }
        assert_eq!(DOMAINS.len(), DOMAIN_AREAS.len());
    }

    #[test]
    fn slugs_and_titles() {
        assert_eq!(slugify("Regulatory Submission Strategist"), "regulatory-submission-strategist");
        assert_eq!(slugify("R&D / Müller (EU)"), "r-and-d-muller-eu");
        assert_eq!(title_case("draft the protocol synopsis"), "Draft the Protocol Synopsis");
        assert_eq!(
            sentence_lower("Evaluate Eligibility for an HTA Pathway"),
            "evaluate eligibility for an HTA pathway"
        );
        assert_eq!(area_matching("market_access"), Some(2));
        assert_eq!(area_matching("R&D"), Some(5));
    }

    #[test]
    fn jtbd_statements_have_the_form() {
        let mut rng = Rng::new(3);
        let s = jtbd_statement(&AREAS[3], "Draft the protocol synopsis", &mut rng);
        assert!(s.starts_with("When "));
        assert!(s.contains(", I want to draft the protocol synopsis, so I can "));
    }
}
