/*
 * SnowOps push: tell SnowOps at once when a ticket it tracks changes.
 *
 * Business rule (System Definition > Business Rules > New), one per table:
 *   Name:      SnowOps push
 *   Table:     Incident [incident]      (copies on change_request, problem, sn_si_incident)
 *   Advanced:  true
 *   When:      async        Insert: true   Update: true
 *   Condition: current.correlation_id.startsWith('snowops:')
 *   Script:    this file
 *
 * It reads two system properties (see README.md): x_snowops.push_url and x_snowops.push_key
 * (the base64 key `snowops push-key` printed). It signs "<timestamp>.<body>" with
 * HMAC-SHA256; SnowOps refuses a bad signature, a timestamp more than 5 minutes off, and a
 * replay. Polling stays on, so a push that fails is caught up by the next poll.
 */
(function executeRule(current, previous /* null in an async rule */) {
    var url = gs.getProperty('x_snowops.push_url');
    var key = gs.getProperty('x_snowops.push_key');
    if (!url || !key) {
        gs.warn('SnowOps push: set the system properties x_snowops.push_url and x_snowops.push_key');
        return;
    }
    // The same fields SnowOps reads when it polls (core/servicenow/mapping.py TICKET_FIELDS).
    var fields = ['sys_id', 'number', 'short_description', 'state', 'priority', 'due_date',
        'active', 'correlation_id', 'sys_mod_count', 'sys_created_on', 'sys_updated_on'];
    var record = {};
    for (var i = 0; i < fields.length; i++) {
        record[fields[i]] = current.getValue(fields[i]) || '';
    }
    // The newest comments (customer-visible journal entries; work notes stay inside).
    var comments = [];
    var journal = new GlideRecord('sys_journal_field');
    journal.addQuery('element_id', current.getUniqueValue());
    journal.addQuery('element', 'comments');
    journal.orderByDesc('sys_created_on');
    journal.setLimit(5);
    journal.query();
    while (journal.next()) {
        comments.unshift({
            sys_id: journal.getUniqueValue(),
            element_id: journal.getValue('element_id'),
            element: 'comments',
            value: journal.getValue('value'),
            sys_created_by: journal.getValue('sys_created_by'),
            sys_created_on: journal.getValue('sys_created_on')
        });
    }
    var body = JSON.stringify({table: current.getTableName(), record: record, comments: comments});
    var timestamp = String(Math.floor(new GlideDateTime().getNumericValue() / 1000));
    // generateMac takes the key base64-encoded and answers the MAC base64-encoded.
    var signature = new GlideCertificateEncryption().generateMac(key, 'HmacSHA256',
        timestamp + '.' + body);

    var request = new sn_ws.RESTMessageV2();
    request.setEndpoint(url);
    request.setHttpMethod('post');
    request.setHttpTimeout(10000);
    request.setRequestHeader('Content-Type', 'application/json');
    request.setRequestHeader('X-SnowOps-Instance', gs.getProperty('glide.servlet.uri'));
    request.setRequestHeader('X-SnowOps-Timestamp', timestamp);
    request.setRequestHeader('X-SnowOps-Signature', signature);
    request.setRequestBody(body);
    try {
        var response = request.execute();
        var status = response.getStatusCode();
        if (status != 202) {
            gs.warn('SnowOps push of ' + current.getValue('number') + ' answered ' + status +
                ': ' + response.getBody());
        }
    } catch (e) {
        gs.warn('SnowOps push of ' + current.getValue('number') + ' failed: ' + e);
    }
})(current, previous);
