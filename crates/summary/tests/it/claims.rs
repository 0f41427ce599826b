//! Claim elements of real claims, quoted verbatim from the records the
//! ingest crate makes of the shared fixtures (`../shared/data/patents/`,
//! each folder's PROVENANCE.md says where the files come from; the paths
//! below are relative to that folder).

use patsearch_summary::{claim_elements, ElementKind};

use ElementKind::{Element as E, Preamble as P};

#[track_caller]
fn check(claim: &str, expected: &[(ElementKind, &str)]) {
    let elements = claim_elements(claim);
    for e in &elements {
        assert_eq!(e.range.text(claim), e.text, "range and text differ");
    }
    assert!(elements
        .windows(2)
        .all(|w| w[0].range.end <= w[1].range.start));
    let got: Vec<(ElementKind, &str)> =
        elements.iter().map(|e| (e.kind, e.text.as_str())).collect();
    assert_eq!(got, expected);
}

/// uspto-patentpublicdata-samples/pap/US20010009014A1.xml, claim 1.
#[test]
fn stateless_dispatch_us20010009014a1() {
    check(
        "A method for facilitating communication between a plurality of clients on a network, comprising: receiving a request with a dispatch server, the request being from a first one of the plurality of clients to join a first conference; and statelessly dispatching the first client to the first conference on a first one of a plurality of media servers associated with the dispatch server.",
        &[
            (P, "A method for facilitating communication between a plurality of clients on a network, comprising:"),
            (E, "receiving a request with a dispatch server, the request being from a first one of the plurality of clients to join a first conference"),
            (E, "statelessly dispatching the first client to the first conference on a first one of a plurality of media servers associated with the dispatch server"),
        ],
    );
}

/// uspto-go-uspto-testdata/grant/v4-5-B1.xml (US9358892B1), claim 1: a colon inside the last element.
#[test]
fn hybrid_pre_charge_us9358892b1() {
    check(
        "A pre-charging system for improving reverse direction hill climb performance of a hybrid vehicle, comprising: a battery having a state of charge value; a motor for powering a movement or an operation of the hybrid vehicle using energy stored in the battery; an engine configured to output power for at least one of driving the hybrid vehicle or charging the battery; a grade sensor for detecting a grade value of a surface upon which the hybrid vehicle is positioned; a gear selection sensor for detecting a gear selection by a driver; and an electronic control unit configured to determine whether to activate a pre-charge mode based on the gear selection, the grade value, and the state of charge value, and when or after the pre-charge mode is activated, the electronic control unit is configured to: determine a target charge value based on the grade value and the state of charge value, and charge the battery using power outputted by the engine until the state of charge value is equal to or greater than the target charge value.",
        &[
            (P, "A pre-charging system for improving reverse direction hill climb performance of a hybrid vehicle, comprising:"),
            (E, "a battery having a state of charge value"),
            (E, "a motor for powering a movement or an operation of the hybrid vehicle using energy stored in the battery"),
            (E, "an engine configured to output power for at least one of driving the hybrid vehicle or charging the battery"),
            (E, "a grade sensor for detecting a grade value of a surface upon which the hybrid vehicle is positioned"),
            (E, "a gear selection sensor for detecting a gear selection by a driver"),
            (E, "an electronic control unit configured to determine whether to activate a pre-charge mode based on the gear selection, the grade value, and the state of charge value, and when or after the pre-charge mode is activated, the electronic control unit is configured to"),
            (E, "determine a target charge value based on the grade value and the state of charge value, and charge the battery using power outputted by the engine until the state of charge value is equal to or greater than the target charge value"),
        ],
    );
}

/// uspto-go-uspto-testdata/grant/US07062920-20060620.XML, claim 1: enumerators, `; and,`, a nested list.
#[test]
fn combustor_dome_us7062920b2() {
    check(
        "A combustor dome assembly for a gas turbine engine having a longitudinal centerline axis extending therethrough, comprising: (a) an annular dome plate having an inner portion, an outer portion, a forward surface and a plurality of circumferentially spaced openings formed therein, wherein a radial section is defined between each adjacent opening; (b) an annular outer cowl connected to said outer portion of said dome plate; (c) an annular inner cowl connected to said inner portion of said dome plate; and, (d) a swirler located between said forward surface of said dome plate and said inner and outer cowls in substantial alignment with each of said openings in said dome plate; said swirler including: (1) a forward portion and an aft portion; and, (2) at least one tab located upstream of each said swirler for retaining said swirler with respect to said dome plate; wherein each said swirler is retained in a manner so as to be movable it a radial and axial direction.",
        &[
            (P, "A combustor dome assembly for a gas turbine engine having a longitudinal centerline axis extending therethrough, comprising:"),
            (E, "an annular dome plate having an inner portion, an outer portion, a forward surface and a plurality of circumferentially spaced openings formed therein"),
            (E, "wherein a radial section is defined between each adjacent opening"),
            (E, "an annular outer cowl connected to said outer portion of said dome plate"),
            (E, "an annular inner cowl connected to said inner portion of said dome plate"),
            (E, "a swirler located between said forward surface of said dome plate and said inner and outer cowls in substantial alignment with each of said openings in said dome plate"),
            (E, "said swirler including"),
            (E, "a forward portion and an aft portion"),
            (E, "at least one tab located upstream of each said swirler for retaining said swirler with respect to said dome plate"),
            (E, "wherein each said swirler is retained in a manner so as to be movable it a radial and axial direction"),
        ],
    );
}

/// uspto-go-uspto-testdata/grant/v4-0-B2.xml (US6857133B2), claim 1: `comprising the steps of` without a colon; (i)/(ii) inside elements stay.
#[test]
fn water_resistant_unit_us6857133b2() {
    check(
        "A method for producing a water-resistant unit, comprising the steps of (a) providing a water-resistant sleeve shaped and dimensioned to fit over a portion of the body of a user and including (i) a distal end, and (ii) a proximate end; (b) providing an elongate pliable stretchable strand including (i) an elongate elastic inner core, and (ii) a sheathing around said core, said core and sheathing taking on a flatter configuration when said strand is stretched and drawn around said portion of the body of a user; (c) forming at least one hole through said proximate end of said sleeve; (d) folding said proximate end to form a hem circumscribing said proximate end; (e) inserting an insulator in said proximate end; (f) heat sealing said hem; and, (g) inserting said elongate pliable strand through said hole to circumscribe said proximate end in said hem.",
        &[
            (P, "A method for producing a water-resistant unit, comprising the steps of"),
            (E, "providing a water-resistant sleeve shaped and dimensioned to fit over a portion of the body of a user and including (i) a distal end, and (ii) a proximate end"),
            (E, "providing an elongate pliable stretchable strand including (i) an elongate elastic inner core, and (ii) a sheathing around said core, said core and sheathing taking on a flatter configuration when said strand is stretched and drawn around said portion of the body of a user"),
            (E, "forming at least one hole through said proximate end of said sleeve"),
            (E, "folding said proximate end to form a hem circumscribing said proximate end"),
            (E, "inserting an insulator in said proximate end"),
            (E, "heat sealing said hem"),
            (E, "inserting said elongate pliable strand through said hole to circumscribe said proximate end in said hem"),
        ],
    );
}

/// uspto-go-uspto-testdata/application/US20220240351A1-20220728.XML, claim 1: commas do not cut, `, wherein` does.
#[test]
fn heating_film_us20220240351a1() {
    check(
        "A self-regulating electric heating film, comprising: an insulating isolation layer, an interdigital electrode arranged on the surface of the insulating isolation layer, a positive temperature coefficient coating covering the surface of a secondary electrode of the interdigital electrode, and an insulating protective layer covering the surface of a primary electrode of the interdigital electrode, wherein the positive temperature coefficient coating is not in contact with the primary electrode of the interdigital electrode; and the insulating protective layer overlaps the positive temperature coefficient coating.",
        &[
            (P, "A self-regulating electric heating film, comprising:"),
            (E, "an insulating isolation layer, an interdigital electrode arranged on the surface of the insulating isolation layer, a positive temperature coefficient coating covering the surface of a secondary electrode of the interdigital electrode, and an insulating protective layer covering the surface of a primary electrode of the interdigital electrode"),
            (E, "wherein the positive temperature coefficient coating is not in contact with the primary electrode of the interdigital electrode"),
            (E, "the insulating protective layer overlaps the positive temperature coefficient coating"),
        ],
    );
}

/// uspto-patentpublicdata-samples/pap/US20010000943A1.xml, claim 1: no `comprising`, so the first `wherein` ends the preamble; a formula.
#[test]
fn electroluminescence_us20010000943a1() {
    check(
        "An organic electroluminescence device containing an organic layer formed between electrodes at least one of which is a transparent electrode, wherein the total optical path length (t) of the transparent electrode and the organic layer satisfies the following inequality (a) or inequality (b) or both: Min−20 nm<t<Min +20 nm (a) Max−20 nm<t<Max +20 nm (b) wherein t is the total optical path length (nm), Min is the optical path length (nm) at which the CIEx chromaticity coordinates or CIEy chromaticity coordinates measured according to JIS Z 8701 exhibits a minimum value, and Max is the optical path length (nm) at which the CIEx chromaticity coordinates or CIEy chromaticity coordinates measured according to JIS Z 8701 exhibit a maximum value.",
        &[
            (P, "An organic electroluminescence device containing an organic layer formed between electrodes at least one of which is a transparent electrode, wherein"),
            (E, "the total optical path length (t) of the transparent electrode and the organic layer satisfies the following inequality (a) or inequality (b) or both"),
            (E, "Min−20 nm<t<Min +20 nm (a) Max−20 nm<t<Max +20 nm (b)"),
            (E, "wherein t is the total optical path length (nm), Min is the optical path length (nm) at which the CIEx chromaticity coordinates or CIEy chromaticity coordinates measured according to JIS Z 8701 exhibits a minimum value, and Max is the optical path length (nm) at which the CIEx chromaticity coordinates or CIEy chromaticity coordinates measured according to JIS Z 8701 exhibit a maximum value"),
        ],
    );
}

/// uspto-patentsview-db-fixtures/ipgxml/ipg050104.small.xml (US6837151B2), claim 1.
#[test]
fn cooking_device_us6837151b2() {
    check(
        "A cooking device comprising: a first base portion; a second base portion movably connected to said first base portion; said first base portion and said second base portion being adapted for relative movement with respect to each other between a rotisserie cooking configuration and a kebab cooking configuration; and a rotisserie skewer and a kebab skewer; wherein in said rotisserie cooking configuration said rotisserie skewer is positioned above a support surface by a first distance, wherein in said kebab cooking configuration said kebab skewer is positioned above a support surface by a second distance, and wherein said first distance is greater than said second distance.",
        &[
            (P, "A cooking device comprising:"),
            (E, "a first base portion"),
            (E, "a second base portion movably connected to said first base portion"),
            (E, "said first base portion and said second base portion being adapted for relative movement with respect to each other between a rotisserie cooking configuration and a kebab cooking configuration"),
            (E, "a rotisserie skewer and a kebab skewer"),
            (E, "wherein in said rotisserie cooking configuration said rotisserie skewer is positioned above a support surface by a first distance"),
            (E, "wherein in said kebab cooking configuration said kebab skewer is positioned above a support surface by a second distance"),
            (E, "wherein said first distance is greater than said second distance"),
        ],
    );
}

/// epo-go-epo-eps-testdata/application/v1-2-A1.xml (EP1921219A1), claim 1: `characterized in that`.
#[test]
fn insulating_panel_ep1921219a1() {
    check(
        "Sound damping and fire resistant insulating panel characterized in that it comprises a blanket which forms the core implemented in silica fibre, individual metallic sheets being bonded on both surfaces.",
        &[
            (P, "Sound damping and fire resistant insulating panel characterized in that"),
            (E, "it comprises a blanket which forms the core implemented in silica fibre, individual metallic sheets being bonded on both surfaces"),
        ],
    );
}

/// US20220240351A1 claim 2: `as claimed in claim 1, wherein`.
#[test]
fn dependent_heating_film_us20220240351a1() {
    check(
        "The self-regulating electric heating film as claimed in claim 1, wherein the positive temperature coefficient coating comprises 20-40 wt % of a nano conductive filler, 10-30 wt % of a positive temperature coefficient thermosensitive filler, 10-30 wt % of a polymer, and a balance of a phase-change material.",
        &[
            (P, "The self-regulating electric heating film as claimed in claim 1, wherein"),
            (E, "the positive temperature coefficient coating comprises 20-40 wt % of a nano conductive filler, 10-30 wt % of a positive temperature coefficient thermosensitive filler, 10-30 wt % of a polymer, and a balance of a phase-change material"),
        ],
    );
}

/// uspto-go-uspto-testdata/application/v4-4-A1.xml (US20210267109A1), claim 2: no comma before `wherein`.
#[test]
fn dependent_apparatus_us20210267109a1() {
    check(
        "The apparatus of claim 1 wherein the first adjustment fixture attached to the uplifted panel is continuously adjustable, wherein an adjustment of the first adjustment fixture modifies the angle of the first fork relative to the surface.",
        &[
            (P, "The apparatus of claim 1 wherein"),
            (E, "the first adjustment fixture attached to the uplifted panel is continuously adjustable"),
            (E, "wherein an adjustment of the first adjustment fixture modifies the angle of the first fork relative to the surface"),
        ],
    );
}

/// uspto-go-uspto-testdata/grant/v2-5-B1.xml (US6334226B1), claim 2: a space before the comma.
#[test]
fn dependent_faucet_us6334226b1() {
    check(
        "A faucet support member as defined in claim 1 , wherein said turning prevention members are provided on said support seat.",
        &[
            (P, "A faucet support member as defined in claim 1 , wherein"),
            (E, "said turning prevention members are provided on said support seat"),
        ],
    );
}

/// EP1921219A1 claim 2: the parent named in words (`the first claim`).
#[test]
fn dependent_panel_ep1921219a1() {
    check(
        "Sound damping and fire resistant insulating panel according to the first claim, characterized in that the metallic sheets are aluminium sheets.",
        &[
            (P, "Sound damping and fire resistant insulating panel according to the first claim, characterized in that"),
            (E, "the metallic sheets are aluminium sheets"),
        ],
    );
}

/// uspto-patentsview-db-fixtures (USD452599S1), the one claim of a design patent: no transition at all.
#[test]
fn design_usd452599s1() {
    check(
        "The ornamental design for a confection item in the form of a tied braid, as shown and described.",
        &[
            (E, "The ornamental design for a confection item in the form of a tied braid, as shown and described"),
        ],
    );
}
