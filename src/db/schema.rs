// @generated automatically by Diesel CLI.

diesel::table! {
    api_tokens (id) {
        id -> Text,
        organisation_id -> Text,
        user_id -> Text,
        token_hash -> Text,
        label -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    drafts (token_hmac) {
        token_hmac -> Text,
        organisation_id -> Text,
        round_id -> Text,
        sealed -> Binary,
    }
}

diesel::table! {
    invitations (token_hmac) {
        token_hmac -> Text,
        code_hmac -> Text,
        organisation_id -> Text,
        round_id -> Text,
        unit_id -> Text,
        spent -> Bool,
    }
}

diesel::table! {
    link_handouts (id) {
        id -> Text,
        organisation_id -> Text,
        round_id -> Text,
        unit_id -> Text,
        user_email -> Text,
        count -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    response_inbox (id) {
        id -> Text,
        organisation_id -> Text,
        round_id -> Text,
        unit_id -> Text,
        answers -> Binary,
    }
}

diesel::table! {
    responses (id) {
        id -> Text,
        organisation_id -> Text,
        round_id -> Text,
        unit_id -> Text,
        answers -> Binary,
    }
}

diesel::table! {
    plan_history (organisation_id, seq) {
        organisation_id -> Text,
        seq -> BigInt,
        item_id -> Text,
        at -> Text,
        who -> Text,
        field -> Text,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        hash -> Text,
    }
}

diesel::table! {
    plan_items (id) {
        id -> Text,
        organisation_id -> Text,
        category -> Text,
        unit_id -> Nullable<Text>,
        scope_path -> Text,
        sources -> Text,
        round_id -> Nullable<Text>,
        signal -> Text,
        measure -> Text,
        measure_id -> Nullable<Text>,
        level -> Text,
        priority -> Integer,
        owner_user_id -> Nullable<Text>,
        owner_name -> Nullable<Text>,
        owner_email -> Nullable<Text>,
        owner_role -> Nullable<Text>,
        start_date -> Nullable<Date>,
        deadline -> Nullable<Date>,
        budget -> Nullable<Text>,
        status -> Text,
        note -> Nullable<Text>,
        residual_risk -> Nullable<Text>,
        evaluation_date -> Nullable<Date>,
        created_at -> Timestamp,
        completed_by -> Nullable<Text>,
        completed_on -> Nullable<Date>,
        signed_off_by -> Nullable<Text>,
    }
}

diesel::table! {
    policy_checks (organisation_id, topic) {
        organisation_id -> Text,
        topic -> Text,
        answer -> Text,
        answered_on -> Date,
        note -> Nullable<Text>,
        answered_by -> Text,
    }
}

diesel::table! {
    round_approvals (organisation_id, round_id) {
        organisation_id -> Text,
        round_id -> Text,
        consent_date -> Nullable<Date>,
        consent_note -> Nullable<Text>,
        review_date -> Nullable<Date>,
        reviewer_name -> Nullable<Text>,
        reviewer_certificate -> Nullable<Text>,
        review_note -> Nullable<Text>,
        report_name -> Nullable<Text>,
        report -> Nullable<Binary>,
    }
}

diesel::table! {
    round_counts (organisation_id, round_id, unit_id) {
        organisation_id -> Text,
        round_id -> Text,
        unit_id -> Text,
        invited -> Integer,
        responded -> Integer,
    }
}

diesel::table! {
    round_results (organisation_id, round_id) {
        organisation_id -> Text,
        round_id -> Text,
        results -> Text,
    }
}

diesel::table! {
    round_units (organisation_id, round_id, unit_id) {
        organisation_id -> Text,
        round_id -> Text,
        unit_id -> Text,
    }
}

diesel::table! {
    rounds (id) {
        id -> Text,
        organisation_id -> Text,
        name -> Text,
        questionnaire_id -> Text,
        status -> Text,
        languages -> Text,
        min_group_size -> Integer,
        opens_at -> Nullable<Timestamp>,
        closes_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        opened_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        questionnaire_source -> Nullable<Text>,
        questionnaire_digest -> Nullable<Text>,
        unit_tree -> Nullable<Text>,
    }
}

diesel::table! {
    export_files (organisation_id, export_id, format) {
        organisation_id -> Text,
        export_id -> Text,
        format -> Text,
        size -> BigInt,
        sha256 -> Text,
        bytes -> Binary,
        signature -> Binary,
    }
}

diesel::table! {
    exports (id) {
        id -> Text,
        organisation_id -> Text,
        round_id -> Text,
        lang -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    instance_setup (id) {
        id -> Integer,
        completed_at -> Timestamp,
    }
}

diesel::table! {
    memberships (organisation_id, user_id, role) {
        organisation_id -> Text,
        user_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        public_id -> Text,
        name -> Text,
        headcount -> Nullable<Integer>,
        default_language -> Text,
        vpo_threshold -> Integer,
        created_at -> Timestamp,
        plan_sign_off -> Bool,
    }
}

diesel::table! {
    units (id) {
        id -> Text,
        organisation_id -> Text,
        parent_id -> Nullable<Text>,
        parent_key -> Text,
        name -> Text,
        headcount -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_sessions (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        is_owner -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    shares (id) {
        id -> Text,
        organisation_id -> Text,
        kind -> Text,
        round_id -> Text,
        label -> Text,
        secret_hash -> Nullable<Text>,
        user_id -> Nullable<Text>,
        expires_on -> Date,
        created_at -> Timestamp,
        created_by -> Text,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (organisation_id, seq) {
        organisation_id -> Text,
        seq -> BigInt,
        at -> Text,
        actor -> Text,
        action -> Text,
        target -> Text,
        detail -> Text,
        outcome -> Text,
        hash -> Text,
    }
}

diesel::table! {
    access_log (id) {
        id -> Text,
        organisation_id -> Text,
        at -> Timestamp,
        actor -> Text,
        what -> Text,
    }
}

diesel::table! {
    vpo_cases (id) {
        id -> Text,
        organisation_id -> Text,
        reference -> Text,
        first_contact -> Nullable<Date>,
        quarter -> Text,
        channel -> Text,
        behaviours -> Text,
        sources -> Text,
        in_scope -> Bool,
        actions -> Text,
        referrals -> Text,
        status -> Text,
        closed_on -> Nullable<Date>,
        agreements -> Nullable<Binary>,
        case_report -> Nullable<Binary>,
        destroyed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    vpo_assignments (case_id, user_id) {
        organisation_id -> Text,
        case_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    vpo_notes (id) {
        id -> Text,
        organisation_id -> Text,
        case_id -> Text,
        written_on -> Date,
        created_at -> Timestamp,
        author -> Text,
        sealed -> Binary,
    }
}

diesel::table! {
    vpo_access_log (id) {
        id -> Text,
        organisation_id -> Text,
        at -> Timestamp,
        actor -> Text,
        case_reference -> Nullable<Text>,
        what -> Text,
    }
}

diesel::table! {
    vpo_settings (organisation_id) {
        organisation_id -> Text,
        max_months -> Integer,
        referrals -> Text,
    }
}

diesel::table! {
    vpo_reports (organisation_id, year) {
        organisation_id -> Text,
        year -> Integer,
        recommendations -> Text,
        finalised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    vpo_destruction_log (id) {
        id -> Text,
        organisation_id -> Text,
        at -> Timestamp,
        case_reference -> Text,
        what -> Text,
        reason -> Text,
    }
}

diesel::table! {
    counsellors (id) {
        id -> Text,
        organisation_id -> Text,
        name -> Text,
        kind -> Text,
        gender -> Nullable<Text>,
        languages -> Text,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        availability -> Nullable<Text>,
        photo_type -> Nullable<Text>,
        photo -> Nullable<Binary>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(api_tokens -> organisations (organisation_id));
diesel::joinable!(vpo_assignments -> vpo_cases (case_id));
diesel::joinable!(vpo_assignments -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(counsellors -> organisations (organisation_id));
diesel::joinable!(export_files -> exports (export_id));
diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(units -> organisations (organisation_id));
diesel::joinable!(user_sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    access_log,
    audit_log,
    api_tokens,
    counsellors,
    drafts,
    export_files,
    exports,
    instance_setup,
    invitations,
    link_handouts,
    memberships,
    organisations,
    response_inbox,
    responses,
    round_counts,
    plan_history,
    plan_items,
    policy_checks,
    round_approvals,
    round_results,
    round_units,
    rounds,
    shares,
    units,
    user_sessions,
    users,
    vpo_access_log,
    vpo_assignments,
    vpo_cases,
    vpo_notes,
    vpo_reports,
    vpo_destruction_log,
    vpo_settings,
);
